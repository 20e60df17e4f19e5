/**
 * Audit HMAC: how a device writes a string that could be secret.
 *
 * Each device has its own salt (32 random bytes, hex), generated when the device is enabled and
 * persisted with its entry in the audit table, inside the barrier. A value is written as
 * `hmac-sha256:<hex>` of HMAC-SHA256 keyed with that salt, as Vault does: an operator who knows a
 * value can find it in the log through `sys/audit-hash/<path>`, and nobody can read it back.
 * Disabling a device drops its salt; re-enabling creates a new one.
 */
import { randomBytes } from 'node:crypto';
import { HmacSha256 } from '../framework/hmac.ts';

/** Turns a string that could be secret into what the log may hold. */
export type Hasher = (value: string) => string;

export const HMAC_PREFIX = 'hmac-sha256:';

/** A fresh device salt: 32 random bytes as hex. */
export function generateSalt(): string {
  return randomBytes(32).toString('hex');
}

/** `hmac-sha256:<hex>` of `value`, keyed with `salt`. Deterministic for a salt and a value. */
export function hmacValue(salt: string, value: string): string {
  return hasherFor(salt)(value);
}

/**
 * A hasher bound to one salt. The audit log hashes every string of every request, so the key is
 * prepared once (see HmacSha256; a hex salt takes its fast path), and the empty string, which
 * most records carry somewhere, is hashed once.
 */
export function hasherFor(salt: string): Hasher {
  const hmac = new HmacSha256(Buffer.from(salt, 'utf8'));
  const empty = HMAC_PREFIX + hmac.hex('');
  return (value) => (value === '' ? empty : HMAC_PREFIX + hmac.hex(value));
}

/**
 * Hashed copies of deeply frozen objects, by object. A frozen object tree cannot change, so its
 * hashed copy can be reused for as long as the object lives: the storage cache hands out the
 * same frozen documents (a KV version's data) to every read of them, and without this every
 * read would hash every value of the secret again. Keyed weakly, so it holds nothing the cache
 * has let go. One per hasher (salt).
 */
export type StructureMemo = WeakMap<object, unknown>;

/**
 * A JSON-shaped deep copy of `value` in which every string is hashed; object keys, numbers,
 * booleans and null pass through as they are (Vault hashes only strings). The input is first
 * brought to what `JSON.stringify` would write (a `toJSON` method is honoured, so a redacting
 * wrapper stays redacted; bytes become base64, as the API would return them; bigints become
 * strings, and so are hashed), so nothing reaches the log that the hasher did not see. The
 * result must be treated as immutable: with a `memo`, it may be shared.
 */
export function hashStructure(value: unknown, hash: Hasher, memo?: StructureMemo): unknown {
  if (typeof value !== 'object' || value === null) return walkLeaf(value, hash);
  return walk(value, { hash, memo, seen: new Set(), mutable: false });
}

interface WalkState {
  readonly hash: Hasher;
  readonly memo: StructureMemo | undefined;
  readonly seen: Set<object>;
  /** Set when the subtree being walked holds anything that could still change. */
  mutable: boolean;
}

function walkLeaf(value: unknown, hash: Hasher): unknown {
  switch (typeof value) {
    case 'string':
      return hash(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return hash(value.toString());
    case 'object':
      return value === null ? null : undefined;
    case 'undefined':
    case 'function':
    case 'symbol':
      // JSON leaves them out.
      return undefined;
  }
}

function isMutable(state: WalkState): boolean {
  return state.mutable;
}

function walk(value: unknown, state: WalkState): unknown {
  if (typeof value !== 'object' || value === null) return walkLeaf(value, state.hash);
  if (value instanceof Uint8Array) {
    state.mutable = true;
    return state.hash(Buffer.from(value).toString('base64'));
  }
  const withJson = value as { toJSON?: unknown };
  if (typeof withJson.toJSON === 'function') {
    state.mutable = true;
    const converted: unknown = (withJson.toJSON as () => unknown).call(value);
    if (converted !== value) return walk(converted, state);
  }
  const remembered = state.memo?.get(value);
  if (remembered !== undefined) return remembered;
  // A cycle cannot be written as JSON; dropping the repeated node keeps the line writable.
  if (state.seen.has(value)) {
    state.mutable = true;
    return null;
  }
  const outer = state.mutable;
  state.mutable = false;
  state.seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    const list: unknown[] = [];
    for (const item of value as unknown[]) {
      const hashed = walk(item, state);
      list.push(hashed === undefined ? null : hashed);
    }
    out = list;
  } else {
    const record: Record<string, unknown> = {};
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const hashed = walk((value as Record<string, unknown>)[key], state);
      if (hashed !== undefined) record[key] = hashed;
    }
    out = record;
  }
  state.seen.delete(value);
  // (Read through a call: the walks above set it, which the type checker cannot see.)
  const frozenTree = !isMutable(state) && Object.isFrozen(value);
  if (frozenTree) state.memo?.set(value, out);
  state.mutable = outer || !frozenTree;
  return out;
}
