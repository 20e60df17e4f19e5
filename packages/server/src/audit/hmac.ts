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
import { flatString, jsonString } from '../framework/json-string.ts';

/**
 * Turns a string that could be secret into what the log may hold: `hmac-sha256:<hex>`, which
 * needs no escaping in JSON (records write it as it is).
 */
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
 * The hashed JSON text of deeply frozen objects, by object. A frozen object tree cannot change,
 * so its text can be reused for as long as the object lives: the storage cache hands out the
 * same frozen documents (a KV version's data) to every read of them, and without this every
 * read would hash and write out every value of the secret again. Keyed weakly, so it holds
 * nothing the cache has let go. One per hasher (salt).
 */
export type HashedJsonMemo = WeakMap<object, string>;

/**
 * `value` as JSON text in which every string is hashed; object keys, numbers, booleans and null
 * are written as they are (Vault hashes only strings). The input is first brought to what
 * `JSON.stringify` would write (a `toJSON` method is honoured, so a redacting wrapper stays
 * redacted; bytes become base64, as the API would return them; bigints become strings, and so
 * are hashed), so nothing reaches the log that the hasher did not see. Undefined where JSON
 * would write nothing (undefined, a function, a symbol). Written directly rather than as a
 * hashed copy handed to `JSON.stringify`: every audited request pays for this twice.
 */
export function hashedJson(
  value: unknown,
  hash: Hasher,
  memo?: HashedJsonMemo,
): string | undefined {
  if (typeof value !== 'object' || value === null) return leafJson(value, hash);
  // Only frozen trees without `toJSON` are remembered: one seen before is written at once.
  const remembered = memo?.get(value);
  if (remembered !== undefined) return remembered;
  return treeJson(value, { hash, memo, seen: new Set(), mutable: false });
}

interface WalkState {
  readonly hash: Hasher;
  readonly memo: HashedJsonMemo | undefined;
  readonly seen: Set<object>;
  /** Set when the subtree being written holds anything that could still change. */
  mutable: boolean;
}

function leafJson(value: unknown, hash: Hasher): string | undefined {
  switch (typeof value) {
    case 'string':
      return `"${hash(value)}"`;
    case 'number':
      // As JSON writes numbers: their shortest form; NaN and the infinities as null.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `"${hash(value.toString())}"`;
    case 'object':
      return value === null ? 'null' : undefined;
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

function treeJson(value: unknown, state: WalkState): string | undefined {
  if (typeof value !== 'object' || value === null) return leafJson(value, state.hash);
  if (value instanceof Uint8Array) {
    state.mutable = true;
    return `"${state.hash(Buffer.from(value).toString('base64'))}"`;
  }
  const withJson = value as { toJSON?: unknown };
  if (typeof withJson.toJSON === 'function') {
    state.mutable = true;
    const converted: unknown = (withJson.toJSON as () => unknown).call(value);
    if (converted !== value) return treeJson(converted, state);
  }
  const remembered = state.memo?.get(value);
  if (remembered !== undefined) return remembered;
  // A cycle cannot be written as JSON; writing the repeated node as null keeps the line writable.
  if (state.seen.has(value)) {
    state.mutable = true;
    return 'null';
  }
  const outer = state.mutable;
  state.mutable = false;
  state.seen.add(value);
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      out += `${out === '' ? '' : ','}${treeJson(item, state) ?? 'null'}`;
    }
    out = `[${out}]`;
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const text = treeJson((value as Record<string, unknown>)[key], state);
      if (text !== undefined) out += `${out === '' ? '' : ','}${jsonString(key)}:${text}`;
    }
    out = `{${out}}`;
  }
  state.seen.delete(value);
  // (Read through a call: the walks above set it, which the type checker cannot see.)
  const frozenTree = !isMutable(state) && Object.isFrozen(value);
  if (frozenTree && state.memo !== undefined) state.memo.set(value, flatString(out));
  state.mutable = outer || !frozenTree;
  return out;
}
