/**
 * Connections: `config/<name>` (write, read, delete), LIST `config/`, `reset/<name>` and
 * `rotate-root/<name>`.
 *
 * Contracts: a read never shows the admin password, and masks a literal password inside
 * `connection_url`. A write with `verify_connection` (the default) connects first and fails with a
 * sanitized 400 when it cannot. Root rotation installs a password nobody has seen, and never logs
 * it.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { LogicalError, badRequest } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import type { Storage } from '../../logical/storage.ts';
import { hasLiteralPassword, maskConnectionUrl } from './connection-url.ts';
import type { DatabaseEngine } from './engine.ts';
import { PLUGIN_NAMES, isPluginName } from './plugin.ts';
import { connectionStore, requireConnection, seconds } from './records.ts';
import type { ConnectionEntry } from './records.ts';
import { isStored, listPath, readStored } from './stored-paths.ts';
import { UsernameTemplateError, validateUsernameTemplate } from './username.ts';

const nameField = {
  type: 'string',
  description: 'The name of the database connection.',
  required: true,
} as const;

export function configPaths(engine: DatabaseEngine): CompiledPath[] {
  /** Runs `fn` on the stored connection `name` under its lock; a 400 when there is none. */
  const withConnection = (
    storage: Storage,
    name: string,
    fn: (entry: ConnectionEntry) => Promise<void>,
  ): Promise<undefined> =>
    engine.withLock(connectionStore.key(name), async () => {
      await fn(await requireConnection(storage, name));
      return undefined;
    });
  return [
    listPath('config/?', connectionStore, 'Lists the configured database connections.'),
    definePath({
      pattern: 'config/(?<name>[^/]+)',
      fields: {
        name: nameField,
        plugin_name: {
          type: 'string',
          description: `The database plugin: ${PLUGIN_NAMES.join(', ')}.`,
        },
        plugin_version: { type: 'string', description: 'Accepted for compatibility.' },
        connection_url: {
          type: 'string',
          description:
            'How to reach the database; `{{username}}` and `{{password}}` are replaced by the admin credentials.',
        },
        username: { type: 'string', description: 'The admin user the engine connects as.' },
        password: {
          type: 'string',
          description: 'The admin password. Never returned by reads.',
          sensitive: true,
        },
        allowed_roles: {
          type: 'comma-string-slice',
          description: 'Roles allowed to use this connection: names, globs, or "*".',
        },
        verify_connection: {
          type: 'bool',
          description: 'Connect before saving, and refuse the write when that fails.',
          default: true,
        },
        max_open_connections: { type: 'int', description: 'Pool size (default 4).' },
        max_idle_connections: {
          type: 'int',
          description: 'Idle connections kept (0 = pool size).',
        },
        max_connection_lifetime: {
          type: 'duration',
          description: 'Close connections after this long (0 = never).',
        },
        password_policy: {
          type: 'string',
          description:
            'Accepted and stored; passwords follow the default policy (20 characters, A-Z a-z 0-9 and "-").',
        },
        username_template: {
          type: 'string',
          description:
            "Template for dynamic usernames (Vault's syntax); the plugin's default otherwise.",
        },
        root_rotation_statements: {
          type: 'string-slice',
          description: 'Statements that set the admin password ({{username}}, {{password}}).',
        },
        disable_escaping: { type: 'bool', description: 'Accepted for compatibility.' },
        password_authentication: { type: 'string', description: 'Accepted for compatibility.' },
      },
      existenceCheck: isStored(connectionStore),
      operations: {
        read: readStored(connectionStore, configView),
        update: ({ storage, fields, provided }) =>
          engine.withLock(
            connectionStore.key(fields.name),
            async (): Promise<LogicalResponse | undefined> => {
              const existing = await connectionStore.read(storage, fields.name);
              const has = (key: string): boolean => provided.has(key);
              const pluginName = fields.plugin_name ?? existing?.pluginName;
              if (pluginName === undefined || pluginName === '') {
                throw badRequest('plugin_name must be specified');
              }
              if (!isPluginName(pluginName)) {
                throw badRequest(
                  `unsupported plugin_name "${pluginName}": expected one of ${PLUGIN_NAMES.join(', ')}`,
                );
              }
              const connectionUrl =
                (has('connection_url') ? fields.connection_url : undefined) ??
                existing?.connectionUrl ??
                '';
              if (connectionUrl.trim() === '') throw badRequest('connection_url cannot be empty');
              const entry: ConnectionEntry = {
                name: fields.name,
                pluginName,
                connectionUrl,
                username: fields.username ?? existing?.username ?? '',
                password: fields.password ?? existing?.password ?? '',
                allowedRoles: fields.allowed_roles ?? existing?.allowedRoles ?? [],
                verifyConnection: fields.verify_connection,
                maxOpenConnections:
                  fields.max_open_connections ?? existing?.maxOpenConnections ?? 4,
                maxIdleConnections:
                  fields.max_idle_connections ?? existing?.maxIdleConnections ?? 0,
                maxConnectionLifetimeMs:
                  fields.max_connection_lifetime ?? existing?.maxConnectionLifetimeMs ?? 0,
                passwordPolicy: fields.password_policy ?? existing?.passwordPolicy ?? '',
                usernameTemplate: fields.username_template ?? existing?.usernameTemplate ?? '',
                rootRotationStatements:
                  fields.root_rotation_statements ?? existing?.rootRotationStatements ?? [],
              };
              if (entry.maxOpenConnections < 0 || entry.maxIdleConnections < 0) {
                throw badRequest('connection counts cannot be negative');
              }
              if (entry.usernameTemplate !== '') {
                try {
                  validateUsernameTemplate(entry.usernameTemplate);
                } catch (error) {
                  if (error instanceof UsernameTemplateError) {
                    throw badRequest(`unable to initialize username template: ${error.message}`);
                  }
                  throw error;
                }
              }
              const plugin = engine.createPlugin(entry);
              if (entry.verifyConnection) {
                try {
                  await plugin.verify();
                } catch (error) {
                  await plugin.close();
                  // The plugin's errors are sanitized already; restate them as the caller's 400.
                  const reason =
                    error instanceof LogicalError ? error.message : 'connection failed';
                  throw badRequest(`error creating database object: ${reason}`);
                }
              }
              await connectionStore.write(storage, entry.name, entry);
              await engine.install(entry.name, { entry, plugin });
              const warnings: string[] = [];
              if (hasLiteralPassword(entry.connectionUrl)) {
                warnings.push(
                  'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.',
                );
              }
              return warnings.length === 0 ? undefined : { warnings };
            },
          ),
        delete: ({ storage, fields }) =>
          engine.withLock(connectionStore.key(fields.name), async () => {
            await connectionStore.delete(storage, fields.name);
            await engine.install(fields.name, undefined);
            return undefined;
          }),
      },
      help: 'Configures a connection to a database.',
    }),
    definePath({
      pattern: 'reset/(?<name>[^/]+)',
      fields: { name: nameField },
      operations: {
        update: ({ storage, fields }) =>
          withConnection(storage, fields.name, async (entry) => {
            // Close the old pool, open a new one from the stored configuration.
            await engine.install(fields.name, { entry, plugin: engine.createPlugin(entry) });
          }),
      },
      help: 'Closes the connection pool and opens a new one from the stored configuration.',
    }),
    definePath({
      pattern: 'rotate-root/(?<name>[^/]+)',
      fields: { name: nameField },
      operations: {
        update: ({ storage, fields, logger }) =>
          withConnection(storage, fields.name, async (entry) => {
            if (entry.username === '') {
              throw badRequest('unable to rotate root credentials: no username in configuration');
            }
            // Durable before the database changes; a retry reuses it (idempotent).
            const password = entry.pendingRootPassword ?? (await engine.password(entry));
            if (entry.pendingRootPassword === undefined) {
              await connectionStore.write(storage, entry.name, {
                ...entry,
                pendingRootPassword: password,
              });
            }
            const { plugin } = await engine.connection(fields.name);
            await plugin.rotateRootPassword({ password, statements: entry.rootRotationStatements });
            const { pendingRootPassword: _done, ...rest } = entry;
            const rotated: ConnectionEntry = { ...rest, password };
            await connectionStore.write(storage, rotated.name, rotated);
            await engine.install(fields.name, {
              entry: rotated,
              plugin: engine.createPlugin(rotated),
            });
            logger.info({ connection: fields.name }, 'database root credentials rotated');
          }),
      },
      help: "Changes the admin user's password to one only the engine knows.",
    }),
  ];
}

/** A connection as reads show it: no password, URL password masked. */
function configView(entry: ConnectionEntry): Record<string, unknown> {
  return {
    plugin_name: entry.pluginName,
    plugin_version: '',
    allowed_roles: [...entry.allowedRoles],
    connection_details: {
      connection_url: maskConnectionUrl(entry.connectionUrl),
      username: entry.username,
      max_open_connections: entry.maxOpenConnections,
      max_idle_connections: entry.maxIdleConnections,
      max_connection_lifetime: seconds(entry.maxConnectionLifetimeMs),
      ...(entry.usernameTemplate === '' ? {} : { username_template: entry.usernameTemplate }),
    },
    password_policy: entry.passwordPolicy,
    root_credentials_rotate_statements: [...entry.rootRotationStatements],
    verify_connection: entry.verifyConnection,
  };
}
