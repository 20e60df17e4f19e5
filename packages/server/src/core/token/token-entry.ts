/**
 * The stored form of a service token, and the pure rules applied when one is created.
 *
 * Storage layout (inside the token store's view):
 *   salt                       the per-server HMAC key, generated once
 *   id/<hash>                  TokenEntry, keyed by HMAC-SHA256(salt, token): the raw token is
 *                              never stored, so a storage dump yields no usable token
 *   accessor/<accessor>        { hash }: the accessor index
 *   parent/<parentHash>/<hash> {}: the hierarchy, so revoking a parent finds its children
 */

export interface TokenEntry {
  /** HMAC-SHA256(salt, token), hex. The token store's primary key; safe to log. */
  readonly hash: string;
  readonly accessor: string;
  /** The parent's hash; absent for orphans. */
  readonly parentHash?: string;
  readonly policies: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly displayName: string;
  /**
   * Uses left (0 = unlimited). -1 marks a token whose revocation is under way: it is refused
   * from then on, as Vault does with its "tainted" tokens.
   */
  readonly numUses: number;
  /** Epoch milliseconds. */
  readonly creationTime: number;
  /** The TTL granted at creation (0 = never expires). */
  readonly creationTtlMs: number;
  /** Hard cap from creation time (0 = none). */
  readonly explicitMaxTtlMs: number;
  /** Periodic tokens renew to this period (0 = not periodic). */
  readonly periodMs: number;
  readonly renewable: boolean;
  /** The request path that created it (`auth/token/create`, `auth/approle/login`). */
  readonly path: string;
  readonly orphan: boolean;
  readonly type: 'service';
  readonly entityId: string;
  readonly boundCidrs?: readonly string[];
  /** Engine-private data kept for renewal (the login's role name, ...). */
  readonly internal?: Readonly<Record<string, unknown>>;
}

export const SALT_KEY = 'salt';

export function entryKey(hash: string): string {
  return `id/${hash}`;
}

export function accessorKey(accessor: string): string {
  return `accessor/${accessor}`;
}

export function childrenPrefix(parentHash: string): string {
  return `parent/${parentHash}/`;
}

export function childKey(parentHash: string, hash: string): string {
  return `parent/${parentHash}/${hash}`;
}

/**
 * Vault's policy normalisation: trimmed, lower-cased, empties dropped, deduplicated, sorted;
 * `default` added unless refused; a token holding `root` holds only `root`.
 */
export function sanitizePolicies(
  policies: readonly string[],
  options: { readonly addDefault: boolean },
): string[] {
  const set = new Set(policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''));
  if (set.has('root')) return ['root'];
  if (options.addDefault) set.add('default');
  else set.delete('default');
  return [...set].sort();
}

/**
 * Whether `child` may be granted by a token holding `parent` without sudo: every policy except
 * `default` (which any token may carry) must be one the parent holds.
 */
export function isPolicySubset(child: readonly string[], parent: readonly string[]): boolean {
  const held = new Set(parent);
  return child.every((p) => p === 'default' || held.has(p));
}

/** Vault names created tokens `token-<name>`, with the name lower-cased and made path-safe. */
export function tokenDisplayName(requested: string): string {
  const cleaned = requested
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+$/, '');
  return cleaned === '' ? 'token' : `token-${cleaned}`;
}
