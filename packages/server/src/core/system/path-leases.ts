/**
 * Leases: `sys/leases/lookup`, LIST `sys/leases/lookup/<prefix>`, `sys/leases/renew[/<id>]`,
 * `sys/leases/revoke[/<id>]`, `sys/leases/revoke-prefix/<prefix>`,
 * `sys/leases/revoke-force/<prefix>`, `sys/leases/tidy`, and the older `sys/renew[/<id>]`,
 * `sys/revoke[/<id>]`, `sys/revoke-prefix/<prefix>`, `sys/revoke-force/<prefix>`.
 *
 * Everything goes through the expiration manager; these paths only translate. As Vault:
 * - a lease ID in the body wins over one in the URL; none at all is 400
 *   `lease_id must be specified`; a malformed one is 400 `invalid lease ID`;
 * - lookup of an unknown lease is 400 `invalid lease`; renewing one is 400 `lease not found`;
 * - revoking an unknown lease succeeds (it is already revoked);
 * - `sync` (default true) waits for the revocation (204); `sync=false` answers 202 at once and
 *   revokes in the background (a failure is logged by code and the lease stays, to expire and be
 *   retried by the manager);
 * - renew answers the lease at the top level (`lease_id`, `renewable`, `lease_duration`).
 * The revoke-prefix, revoke-force and lookup-list paths need `sudo` (the system backend's root
 * paths).
 */
import { listResponse } from '../../framework/list.ts';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { badRequest } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import type { ExpirationManager, LeaseEntry } from '../expiration/index.ts';
import { isValidLeaseId } from '../expiration/lease-entry.ts';
import { isoTime } from '../../framework/iso-time.ts';

/** What the lease paths need from the core: the active expiration manager (throws when sealed). */
export interface LeasesDeps {
  expiration(): Pick<
    ExpirationManager,
    'lookup' | 'listPrefix' | 'renew' | 'revoke' | 'revokePrefix' | 'tidy'
  >;
}

const ACCEPTED: LogicalResponse = {
  raw: { status: 202, contentType: 'application/json', body: '' },
};

const leaseIdField = {
  type: 'string',
  description: 'The lease ID (takes precedence over one in the URL).',
} as const;
const urlLeaseIdField = { type: 'string', description: 'The lease ID, in the URL.' } as const;
const prefixField = {
  type: 'string',
  description: 'The lease ID prefix (a mount, a path, or a lease ID).',
  required: true,
} as const;
const syncField = {
  type: 'bool',
  description: 'Wait for the revocation to finish (default true); false answers 202 at once.',
  default: true,
} as const;

function requireLeaseId(fromBody: string | undefined, fromUrl: string | undefined): string {
  const leaseId = (fromBody !== undefined && fromBody !== '' ? fromBody : (fromUrl ?? '')).replace(
    /^\/+/,
    '',
  );
  if (leaseId === '') throw badRequest('lease_id must be specified');
  if (!isValidLeaseId(leaseId)) throw badRequest('invalid lease ID', 'lease_not_found');
  return leaseId;
}

function requirePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  if (trimmed === '' || trimmed.split('/').some((s) => s === '.' || s === '..')) {
    throw badRequest('invalid prefix');
  }
  return trimmed;
}

/** A lease as `sys/leases/lookup` shows it. */
export function leaseView(lease: LeaseEntry, nowMs: number): Record<string, unknown> {
  const expired = lease.expireTime !== 0 && lease.expireTime <= nowMs;
  const pastMax = lease.maxTtlMs > 0 && nowMs >= lease.issueTime + lease.maxTtlMs;
  return {
    id: lease.leaseId,
    issue_time: isoTime(lease.issueTime),
    expire_time: lease.expireTime === 0 ? null : isoTime(lease.expireTime),
    // Vault shows null until the lease has been renewed once.
    last_renewal: lease.lastRenewalTime === lease.issueTime ? null : isoTime(lease.lastRenewalTime),
    renewable: lease.renewable && !expired && !pastMax && (lease.revokeAttempts ?? 0) === 0,
    ttl: lease.expireTime === 0 ? 0 : Math.max(0, Math.floor((lease.expireTime - nowMs) / 1000)),
  };
}

export function leasePaths(deps: LeasesDeps): CompiledPath[] {
  const renew = async (
    leaseId: string,
    incrementMs: number | undefined,
  ): Promise<LogicalResponse> => {
    const { lease, ttlMs } = await deps.expiration().renew(leaseId, incrementMs ?? 0);
    return {
      topLevel: {
        lease_id: lease.leaseId,
        renewable: lease.renewable,
        lease_duration: Math.floor(ttlMs / 1000),
      },
    };
  };

  const revoke = async (
    leaseId: string,
    sync: boolean,
    logger: { warn: (obj: object, msg: string) => void },
  ): Promise<LogicalResponse | undefined> => {
    const manager = deps.expiration();
    if (sync) {
      await manager.revoke(leaseId);
      return undefined;
    }
    manager.revoke(leaseId).catch((error: unknown) => {
      logger.warn({ leaseId, code: codeOf(error) }, 'background lease revocation failed');
    });
    return ACCEPTED;
  };

  const revokePrefix = async (
    prefix: string,
    force: boolean,
    sync: boolean,
    logger: { warn: (obj: object, msg: string) => void },
  ): Promise<LogicalResponse | undefined> => {
    const manager = deps.expiration();
    const target = requirePrefix(prefix);
    if (sync || force) {
      await manager.revokePrefix(target, { force });
      return undefined;
    }
    manager.revokePrefix(target, { force }).catch((error: unknown) => {
      logger.warn({ prefix: target, code: codeOf(error) }, 'background prefix revocation failed');
    });
    return ACCEPTED;
  };

  const renewFields = {
    lease_id: leaseIdField,
    url_lease_id: urlLeaseIdField,
    increment: { type: 'duration', description: 'Requested extension (0 = the default).' },
  } as const;
  const revokeFields = {
    lease_id: leaseIdField,
    url_lease_id: urlLeaseIdField,
    sync: syncField,
  } as const;

  const renewPath = (pattern: string): CompiledPath =>
    definePath({
      pattern,
      fields: renewFields,
      operations: {
        update: ({ fields }) =>
          renew(requireLeaseId(fields.lease_id, fields.url_lease_id), fields.increment),
      },
      help: 'Renews a lease: asks for it to be extended by `increment`.',
    });

  const revokePath = (pattern: string): CompiledPath =>
    definePath({
      pattern,
      fields: revokeFields,
      operations: {
        update: ({ fields, logger }) =>
          revoke(requireLeaseId(fields.lease_id, fields.url_lease_id), fields.sync, logger),
      },
      help: 'Revokes a lease now.',
    });

  const revokePrefixPath = (pattern: string, force: boolean): CompiledPath =>
    definePath({
      pattern,
      // revoke-force is always synchronous; `sync` is accepted there and ignored.
      fields: { prefix: prefixField, sync: syncField },
      operations: {
        update: ({ fields, logger }) => revokePrefix(fields.prefix, force, fields.sync, logger),
      },
      help: force
        ? 'Revokes every lease under a prefix, deleting those whose revocation fails (dangerous).'
        : 'Revokes every lease under a prefix.',
    });

  return [
    definePath({
      pattern: 'leases/lookup',
      fields: { lease_id: leaseIdField },
      operations: {
        update: async ({ fields, clock }) => {
          const leaseId = requireLeaseId(fields.lease_id, undefined);
          const lease = await deps.expiration().lookup(leaseId);
          if (lease === undefined) throw badRequest('invalid lease', 'lease_not_found');
          return { data: leaseView(lease, clock.now()) };
        },
      },
      help: "Reads a lease's metadata.",
    }),
    definePath({
      pattern: 'leases/lookup/(?<prefix>.*)',
      fields: { prefix: { type: 'string', description: 'The prefix to list.', default: '' } },
      operations: {
        list: async ({ fields }) => {
          const prefix = fields.prefix.replace(/^\/+/, '');
          if (prefix.split('/').some((s) => s === '.' || s === '..')) {
            throw badRequest('invalid prefix');
          }
          const keys = await deps.expiration().listPrefix(prefix);
          return listResponse(keys);
        },
      },
      help: 'Lists lease IDs under a prefix, one level at a time.',
    }),
    renewPath('leases/renew(?:/(?<url_lease_id>.+))?'),
    renewPath('renew(?:/(?<url_lease_id>.+))?'),
    revokePath('leases/revoke(?:/(?<url_lease_id>.+))?'),
    revokePath('revoke(?:/(?<url_lease_id>.+))?'),
    revokePrefixPath('leases/revoke-prefix/(?<prefix>.+)', false),
    revokePrefixPath('revoke-prefix/(?<prefix>.+)', false),
    revokePrefixPath('leases/revoke-force/(?<prefix>.+)', true),
    revokePrefixPath('revoke-force/(?<prefix>.+)', true),
    definePath({
      pattern: 'leases/tidy',
      fields: {},
      operations: {
        update: async () => {
          await deps.expiration().tidy();
          return ACCEPTED;
        },
      },
      help: 'Repairs lease storage: drops dangling index entries and re-arms missing timers.',
    }),
  ];
}

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
  }
  return error instanceof Error ? error.name : 'unknown';
}
