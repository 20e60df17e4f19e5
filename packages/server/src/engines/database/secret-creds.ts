/**
 * The `creds` secret type: a dynamic database user behind a lease.
 *
 * `internal` (kept with the lease, never shown to clients): `username`, `role`, `db_name`, and the
 * role's `revocation_statements` / `renew_statements` at issue time, used when the role has since
 * been deleted (as Vault does).
 *
 * - Renew computes the TTL the lease will get (the increment or the role's default, never past the
 *   lease's max) and moves the user's expiry to match before answering, so the database never
 *   refuses a user whose lease is still valid.
 * - Revoke drops the user; success when it is already gone (the plugin checks).
 */
import { defineSecret } from '../../framework/secret.ts';
import type { SecretContext, SecretType } from '../../framework/secret.ts';
import { minPositive, renewedTtl } from '../../framework/ttl.ts';
import { badRequest } from '../../logical/errors.ts';
import type { DatabaseEngine } from './engine.ts';
import { roleStore } from './records.ts';

export const CREDS_SECRET_TYPE = 'creds';

export interface CredsInternal {
  readonly username: string;
  readonly role: string;
  readonly db_name: string;
  readonly revocation_statements: readonly string[];
  readonly renew_statements: readonly string[];
}

export function createCredsSecret(engine: DatabaseEngine): SecretType {
  return defineSecret({
    type: CREDS_SECRET_TYPE,

    async renew(ctx) {
      const internal = credsInternal(ctx);
      const role = await roleStore.read(ctx.storage, internal.role);
      const now = ctx.clock.now();
      const maxTtlMs = minPositive(role?.maxTtlMs ?? 0, ctx.ttl.maxTtlMs);
      const ttlMs = renewedTtl({
        nowMs: now,
        issueTimeMs: ctx.secret.issueTime,
        incrementMs: ctx.secret.incrementMs,
        defaultMs:
          role !== undefined && role.defaultTtlMs > 0 ? role.defaultTtlMs : ctx.ttl.defaultTtlMs,
        maxTtlMs,
      });
      if (ttlMs <= 0) throw badRequest('past the max TTL, cannot renew');
      const { plugin } = await engine.connection(internal.db_name);
      await plugin.renewUser({
        username: internal.username,
        expiration: now + ttlMs,
        statements: role?.renewStatements ?? internal.renew_statements,
      });
      return { ttlMs };
    },

    async revoke(ctx) {
      const internal = credsInternal(ctx);
      const role = await roleStore.read(ctx.storage, internal.role);
      const { plugin } = await engine.connection(internal.db_name);
      await plugin.revokeUser({
        username: internal.username,
        statements: role?.revocationStatements ?? internal.revocation_statements,
      });
      ctx.logger.debug({ leaseId: ctx.secret.leaseId }, 'database user revoked');
    },
  });
}

function credsInternal(ctx: SecretContext): CredsInternal {
  const raw = ctx.secret.internal;
  const text = (key: string): string => (typeof raw[key] === 'string' ? raw[key] : '');
  const list = (key: string): string[] => {
    const value = raw[key];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  };
  const internal: CredsInternal = {
    username: text('username'),
    role: text('role'),
    db_name: text('db_name'),
    revocation_statements: list('revocation_statements'),
    renew_statements: list('renew_statements'),
  };
  if (internal.username === '' || internal.db_name === '') {
    throw badRequest('lease is missing its database user');
  }
  return internal;
}
