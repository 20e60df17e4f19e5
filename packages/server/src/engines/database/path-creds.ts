/**
 * `creds/<role>`: issues a dynamic database user behind a lease.
 *
 * The user is created with the role's statements in one transaction, with `{{expiration}}` set to
 * the lease's expiry (PostgreSQL's `VALID UNTIL`: the database refuses the user after the lease
 * even if this server is down). The pipeline registers the lease
 * (`<mount>creds/<role>/<id>`); renew and revoke come back to secret-creds.ts.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import type { SecretType } from '../../framework/secret.ts';
import { initialTtl } from '../../framework/ttl.ts';
import { badRequest } from '../../logical/errors.ts';
import type { DatabaseEngine } from './engine.ts';
import { roleStore } from './records.ts';
import type { CredsInternal } from './secret-creds.ts';
import { generateUsername } from './username.ts';

export function credsPaths(engine: DatabaseEngine, creds: SecretType): CompiledPath[] {
  return [
    definePath({
      pattern: 'creds/(?<name>[^/]+)',
      fields: { name: { type: 'string', description: 'The role to issue for.', required: true } },
      operations: {
        read: async ({ storage, fields, request, clock, ttl }) => {
          const role = await roleStore.read(storage, fields.name);
          if (role === undefined) throw badRequest(`unknown role: ${fields.name}`);
          const { entry, plugin } = await engine.connectionForRole(role.dbName, fields.name);
          const lease = initialTtl({
            requestedMs: role.defaultTtlMs,
            explicitMaxMs: role.maxTtlMs,
            defaultMs: ttl.defaultTtlMs,
            mountMaxMs: ttl.maxTtlMs,
          });
          const now = clock.now();
          const username = generateUsername(
            entry.usernameTemplate === '' ? plugin.defaultUsernameTemplate : entry.usernameTemplate,
            { displayName: request.auth?.displayName ?? '', roleName: fields.name, nowMs: now },
          );
          const password = await engine.password(entry);
          await plugin.newUser({
            username,
            password,
            expiration: now + lease.ttlMs,
            statements: role.creationStatements,
            rollbackStatements: role.rollbackStatements,
          });
          const internal: CredsInternal = {
            username,
            role: fields.name,
            db_name: role.dbName,
            revocation_statements: role.revocationStatements,
            renew_statements: role.renewStatements,
          };
          return creds.response(
            { username, password },
            { internal: { ...internal }, ttlMs: lease.ttlMs, maxTtlMs: role.maxTtlMs },
          );
        },
      },
      help: 'Issues a database user for a role, behind a lease.',
    }),
  ];
}
