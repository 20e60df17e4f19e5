/**
 * The persisted form of a lease, and where it lives in the lease storage view.
 *
 * Layout (inside the view reserved for leases):
 *   id/<leaseId>                          the LeaseEntry as JSON (lease IDs are paths, so the
 *                                         view lists them one level at a time, as Vault does)
 *   token/<tokenHash>/<base64url leaseId> index: the leases a token holds (its auth lease and
 *                                         the secret leases it created)
 * Writes put the index before the entry and deletes remove the entry before the index, so a
 * crash leaves at worst a dangling index row, which readers skip and `tidy` removes.
 */

export type LeaseKind = 'secret' | 'auth';

export interface LeaseEntry {
  /** `<request path>/<random id>` for secrets, `<request path>/<token hash>` for tokens. */
  readonly leaseId: string;
  readonly kind: LeaseKind;
  /** The full request path that issued it (`database/creds/ro`, `auth/token/create`). */
  readonly path: string;
  /** The mount it belongs to, with trailing slash (`database/`, `auth/approle/`). */
  readonly mountPoint: string;
  /** The engine's secret type (secret leases), so renew and revoke reach the right handler. */
  readonly secretType?: string;
  /** Engine-private data handed back on renew and revoke; never returned to clients. */
  readonly internal: Record<string, unknown>;
  /**
   * The salted hash of the token that created the secret (secret leases) or of the token itself
   * (auth leases). Never the raw token.
   */
  readonly tokenHash?: string;
  /** Epoch milliseconds. */
  readonly issueTime: number;
  /** Epoch milliseconds; 0 = never expires. */
  readonly expireTime: number;
  readonly lastRenewalTime: number;
  /** Fixed at issue: the lease never outlives `issueTime + maxTtlMs` (0 = unbounded). */
  readonly maxTtlMs: number;
  readonly renewable: boolean;
  /** Failed revocation attempts so far; persisted so a restart keeps backing off. */
  readonly revokeAttempts?: number;
}

export const LEASE_PREFIX = 'id/';
export const TOKEN_INDEX_PREFIX = 'token/';

export function leaseKey(leaseId: string): string {
  return LEASE_PREFIX + leaseId;
}

export function tokenIndexPrefix(tokenHash: string): string {
  return `${TOKEN_INDEX_PREFIX}${tokenHash}/`;
}

export function tokenIndexKey(tokenHash: string, leaseId: string): string {
  return tokenIndexPrefix(tokenHash) + Buffer.from(leaseId, 'utf8').toString('base64url');
}

export function decodeIndexName(name: string): string {
  return Buffer.from(name, 'base64url').toString('utf8');
}

/**
 * Lease IDs become storage keys: refuse anything that would escape or confuse the key space
 * (empty segments, `.` or `..`, a leading slash).
 */
export function isValidLeaseId(leaseId: string): boolean {
  if (leaseId === '' || leaseId.length > 1024) return false;
  // Checked on every authenticated request: split only an ID that could hold a bad segment.
  if (!leaseId.includes('//') && !leaseId.includes('.') && !leaseId.startsWith('/')) {
    return !leaseId.endsWith('/');
  }
  return leaseId
    .split('/')
    .every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** Milliseconds left before expiry at `now` (0 when expired; Infinity when it never expires). */
export function remainingMs(lease: Pick<LeaseEntry, 'expireTime'>, now: number): number {
  if (lease.expireTime === 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, lease.expireTime - now);
}
