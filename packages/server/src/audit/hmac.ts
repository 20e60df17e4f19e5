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
 * prepared once (see HmacSha256; a hex salt takes its fast path).
 */
export function hasherFor(salt: string): Hasher {
  const hmac = new HmacSha256(Buffer.from(salt, 'utf8'));
  return (value) => HMAC_PREFIX + hmac.hex(value);
}

/**
 * A JSON-shaped deep copy of `value` in which every string is hashed; object keys, numbers,
 * booleans and null pass through as they are (Vault hashes only strings). The input is first
 * brought to what `JSON.stringify` would write (a `toJSON` method is honoured, so a redacting
 * wrapper stays redacted; bytes become base64, as the API would return them; bigints become
 * strings, and so are hashed), so nothing reaches the log that the hasher did not see.
 */
export function hashStructure(value: unknown, hash: Hasher): unknown {
  return walk(value, hash, new Set());
}

function walk(value: unknown, hash: Hasher, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return hash(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return hash(value.toString());
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return hash(Buffer.from(value).toString('base64'));
  const withJson = value as { toJSON?: unknown };
  if (typeof withJson.toJSON === 'function') {
    const converted: unknown = (withJson.toJSON as () => unknown).call(value);
    if (converted !== value) return walk(converted, hash, seen);
  }
  // A cycle cannot be written as JSON; dropping the repeated node keeps the line writable.
  if (seen.has(value)) return null;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item: unknown) => {
        const out = walk(item, hash, seen);
        return out === undefined ? null : out;
      });
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const hashed = walk(item, hash, seen);
      if (hashed !== undefined) out[key] = hashed;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
