/**
 * Dynamic roles: `roles/<name>` (write, read, delete) and LIST `roles/`.
 * A role names its connection (`db_name`) and the statements that create, renew, revoke and roll
 * back a user; `{{name}}`, `{{username}}`, `{{password}}` and `{{expiration}}` are filled in.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { badRequest, notFound } from '../../logical/errors.ts';
import type { DatabaseEngine } from './engine.ts';
import { listOrNotFound } from './path-config.ts';
import { ROLE_PREFIX, readRole, readStaticRole, seconds, writeRole } from './records.ts';
import type { RoleEntry } from './records.ts';

const statements = (what: string) =>
  ({
    type: 'string-slice',
    description: `Statements executed to ${what}. {{name}}, {{username}}, {{password}} and {{expiration}} are replaced.`,
  }) as const;

export function rolePaths(engine: DatabaseEngine): CompiledPath[] {
  return [
    definePath({
      pattern: 'roles/?',
      fields: {},
      operations: {
        list: async ({ storage }) => listOrNotFound(await storage.list(ROLE_PREFIX)),
      },
      help: 'Lists the dynamic roles.',
    }),
    definePath({
      pattern: 'roles/(?<name>[^/]+)',
      fields: {
        name: { type: 'string', description: 'The role name.', required: true },
        db_name: { type: 'string', description: 'The database connection this role uses.' },
        creation_statements: statements('create and grant a user'),
        revocation_statements: statements('revoke a user (default: drop it)'),
        renew_statements: statements('renew a user (default: move its expiry)'),
        rollback_statements: statements('undo a failed creation'),
        default_ttl: { type: 'duration', description: 'Lease TTL (0 = the mount default).' },
        max_ttl: { type: 'duration', description: 'Lease max TTL (0 = the mount max).' },
        credential_type: {
          type: 'string',
          description: 'Only "password" is supported.',
          allowed: ['password'],
        },
        credential_config: { type: 'map', description: 'Accepted for compatibility.' },
      },
      existenceCheck: async ({ storage, fields }) =>
        (await readRole(storage, fields.name)) !== undefined,
      operations: {
        read: async ({ storage, fields }) => {
          const role = await readRole(storage, fields.name);
          if (role === undefined) throw notFound('not found', { errors: [] });
          return {
            data: {
              db_name: role.dbName,
              creation_statements: [...role.creationStatements],
              revocation_statements: [...role.revocationStatements],
              renew_statements: [...role.renewStatements],
              rollback_statements: [...role.rollbackStatements],
              default_ttl: seconds(role.defaultTtlMs),
              max_ttl: seconds(role.maxTtlMs),
              credential_type: 'password',
            },
          };
        },
        update: ({ storage, fields }) =>
          engine.withLock(ROLE_PREFIX + fields.name, async () => {
            if ((await readStaticRole(storage, fields.name)) !== undefined) {
              throw badRequest('Role and Static Role names must be unique');
            }
            const existing = await readRole(storage, fields.name);
            const role: RoleEntry = {
              dbName: fields.db_name ?? existing?.dbName ?? '',
              creationStatements: fields.creation_statements ?? existing?.creationStatements ?? [],
              revocationStatements:
                fields.revocation_statements ?? existing?.revocationStatements ?? [],
              renewStatements: fields.renew_statements ?? existing?.renewStatements ?? [],
              rollbackStatements: fields.rollback_statements ?? existing?.rollbackStatements ?? [],
              defaultTtlMs: fields.default_ttl ?? existing?.defaultTtlMs ?? 0,
              maxTtlMs: fields.max_ttl ?? existing?.maxTtlMs ?? 0,
            };
            if (role.dbName === '') throw badRequest('empty database name attribute');
            if (role.creationStatements.every((s) => s.trim() === '')) {
              throw badRequest('empty creation statements');
            }
            if (role.maxTtlMs > 0 && role.defaultTtlMs > role.maxTtlMs) {
              throw badRequest('ttl cannot be greater than max_ttl');
            }
            await writeRole(storage, fields.name, role);
            return undefined;
          }),
        delete: async ({ storage, fields }) => {
          await storage.delete(ROLE_PREFIX + fields.name);
          return undefined;
        },
      },
      help: 'Manages the dynamic roles: which statements make a user, and its lease TTLs.',
    }),
  ];
}
