/**
 * Dynamic roles: `roles/<name>` (write, read, delete) and LIST `roles/`.
 * A role names its connection (`db_name`) and the statements that create, renew, revoke and roll
 * back a user; `{{name}}`, `{{username}}`, `{{password}}` and `{{expiration}}` are filled in.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { badRequest } from '../../logical/errors.ts';
import type { DatabaseEngine } from './engine.ts';
import { roleStore, seconds, staticRoleStore } from './records.ts';
import type { RoleEntry } from './records.ts';
import { assertRoleNameFree, credentialFields, dbNameField } from './roles.ts';
import { isStored, listPath, readStored } from './stored-paths.ts';

const statements = (what: string) =>
  ({
    type: 'string-slice',
    description: `Statements executed to ${what}. {{name}}, {{username}}, {{password}} and {{expiration}} are replaced.`,
  }) as const;

export function rolePaths(engine: DatabaseEngine): CompiledPath[] {
  return [
    listPath('roles/?', roleStore, 'Lists the dynamic roles.'),
    definePath({
      pattern: 'roles/(?<name>[^/]+)',
      fields: {
        name: { type: 'string', description: 'The role name.', required: true },
        db_name: dbNameField,
        creation_statements: statements('create and grant a user'),
        revocation_statements: statements('revoke a user (default: drop it)'),
        renew_statements: statements('renew a user (default: move its expiry)'),
        rollback_statements: statements('undo a failed creation'),
        default_ttl: { type: 'duration', description: 'Lease TTL (0 = the mount default).' },
        max_ttl: { type: 'duration', description: 'Lease max TTL (0 = the mount max).' },
        ...credentialFields,
      },
      existenceCheck: isStored(roleStore),
      operations: {
        read: readStored(roleStore, roleView),
        update: ({ storage, fields }) =>
          engine.withLock(roleStore.key(fields.name), async () => {
            await assertRoleNameFree(storage, fields.name, staticRoleStore);
            const existing = await roleStore.read(storage, fields.name);
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
            await roleStore.write(storage, fields.name, role);
            return undefined;
          }),
        delete: async ({ storage, fields }) => {
          await roleStore.delete(storage, fields.name);
          return undefined;
        },
      },
      help: 'Manages the dynamic roles: which statements make a user, and its lease TTLs.',
    }),
  ];
}

/** A dynamic role as `roles/<name>` reads show it. */
function roleView(role: RoleEntry): Record<string, unknown> {
  return {
    db_name: role.dbName,
    creation_statements: [...role.creationStatements],
    revocation_statements: [...role.revocationStatements],
    renew_statements: [...role.renewStatements],
    rollback_statements: [...role.rollbackStatements],
    default_ttl: seconds(role.defaultTtlMs),
    max_ttl: seconds(role.maxTtlMs),
    credential_type: 'password',
  };
}
