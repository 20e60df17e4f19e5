/**
 * Static roles: one existing database user whose password the engine rotates.
 * `static-roles/<name>` (write, read, delete), LIST `static-roles/`, `static-creds/<name>` (the
 * current password) and `rotate-role/<name>` (rotate now). Creating a static role rotates the
 * password at once, so the engine knows it; if that fails the role is not created.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { badRequest } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import type { DatabaseEngine } from './engine.ts';
import { roleStore, seconds, staticRoleStore } from './records.ts';
import type { StaticRoleEntry } from './records.ts';
import { assertRoleNameFree, credentialFields, dbNameField } from './roles.ts';
import type { StaticRotation } from './static-rotation.ts';
import { isStored, listPath, readStored } from './stored-paths.ts';

const MIN_ROTATION_PERIOD_MS = 5_000;

const nameField = { type: 'string', description: 'The static role name.', required: true } as const;

export function staticRolePaths(engine: DatabaseEngine, rotation: StaticRotation): CompiledPath[] {
  /** Stops rotating static role `name` and deletes it; the database user is left as it is. */
  const forget = async (storage: Storage, name: string): Promise<void> => {
    rotation.cancel(name);
    await staticRoleStore.delete(storage, name);
  };
  return [
    listPath('static-roles/?', staticRoleStore, 'Lists the static roles.'),
    definePath({
      pattern: 'static-roles/(?<name>[^/]+)',
      fields: {
        name: nameField,
        db_name: dbNameField,
        username: {
          type: 'string',
          description: 'The existing database user (fixed at creation).',
        },
        rotation_period: {
          type: 'duration',
          description: 'How often the password is rotated (at least 5s).',
        },
        rotation_statements: {
          type: 'string-slice',
          description: 'Statements that set the password ({{name}}/{{username}}, {{password}}).',
        },
        ...credentialFields,
      },
      existenceCheck: isStored(staticRoleStore),
      operations: {
        read: readStored(staticRoleStore, staticRoleView),
        update: ({ storage, fields }) =>
          engine.withLock(staticRoleStore.key(fields.name), async () => {
            await assertRoleNameFree(storage, fields.name, roleStore);
            const existing = await staticRoleStore.read(storage, fields.name);
            if (existing === undefined) {
              if (fields.db_name === undefined || fields.db_name === '') {
                throw badRequest('database name is a required field to create a static account');
              }
              if (fields.username === undefined || fields.username === '') {
                throw badRequest('username is a required field to create a static account');
              }
              if (fields.rotation_period === undefined) {
                throw badRequest('rotation_period is required to create static accounts');
              }
            } else if (fields.username !== undefined && fields.username !== existing.username) {
              throw badRequest('cannot update static account username');
            }
            const entry: StaticRoleEntry = {
              ...existing,
              dbName: fields.db_name ?? existing?.dbName ?? '',
              username: existing?.username ?? fields.username ?? '',
              rotationPeriodMs: fields.rotation_period ?? existing?.rotationPeriodMs ?? 0,
              rotationStatements: fields.rotation_statements ?? existing?.rotationStatements ?? [],
            };
            if (entry.rotationPeriodMs < MIN_ROTATION_PERIOD_MS) {
              throw badRequest('rotation_period must be 5 seconds or more');
            }
            await engine.connectionForRole(entry.dbName, fields.name);
            await staticRoleStore.write(storage, fields.name, entry);
            if (existing !== undefined) {
              rotation.schedule(fields.name, entry);
              return undefined;
            }
            try {
              await rotation.rotateLocked(fields.name);
            } catch (error) {
              // The engine could not set a password it knows: the role is not created.
              await forget(storage, fields.name);
              throw error;
            }
            return undefined;
          }),
        delete: ({ storage, fields }) =>
          engine.withLock(staticRoleStore.key(fields.name), async () => {
            await forget(storage, fields.name);
            return undefined;
          }),
      },
      help: 'Manages static roles: existing database users whose passwords the engine rotates.',
    }),
    definePath({
      pattern: 'static-creds/(?<name>[^/]+)',
      fields: { name: nameField },
      operations: {
        read: async ({ storage, fields, clock }) => {
          const entry = await staticRoleStore.read(storage, fields.name);
          if (entry === undefined) throw badRequest(`unknown static role: ${fields.name}`);
          if (entry.password === undefined || entry.lastRotationMs === undefined) {
            throw badRequest(`static role "${fields.name}" has no password yet`);
          }
          const next = entry.lastRotationMs + entry.rotationPeriodMs;
          return {
            data: {
              username: entry.username,
              password: entry.password,
              last_vault_rotation: new Date(entry.lastRotationMs).toISOString(),
              rotation_period: seconds(entry.rotationPeriodMs),
              ttl: Math.max(0, seconds(next - clock.now())),
            },
          };
        },
      },
      help: 'Reads the current credentials of a static role.',
    }),
    definePath({
      pattern: 'rotate-role/(?<name>[^/]+)',
      fields: { name: nameField },
      operations: {
        update: async ({ storage, fields }) => {
          if ((await staticRoleStore.read(storage, fields.name)) === undefined) {
            throw badRequest(`no static role found for role name "${fields.name}"`);
          }
          await rotation.rotate(fields.name);
          return undefined;
        },
      },
      help: "Rotates a static role's password now.",
    }),
  ];
}

/** A static role as `static-roles/<name>` reads show it (never its password). */
function staticRoleView(entry: StaticRoleEntry): Record<string, unknown> {
  return {
    db_name: entry.dbName,
    username: entry.username,
    rotation_period: seconds(entry.rotationPeriodMs),
    rotation_statements: [...entry.rotationStatements],
    credential_type: 'password',
    ...(entry.lastRotationMs === undefined
      ? {}
      : { last_vault_rotation: new Date(entry.lastRotationMs).toISOString() }),
  };
}
