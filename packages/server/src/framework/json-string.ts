/**
 * A string as a JSON string literal, as `JSON.stringify` writes it. Most strings written into
 * audit records (IDs, paths, hashes) need no escaping, and a test for that is cheaper than a
 * call to `JSON.stringify` for each of the dozen strings of every record.
 */

/** What `JSON.stringify` escapes: `"`, `\`, control characters, and surrogates (lone ones). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

export function jsonString(value: string): string {
  // A surrogate pair (an emoji) also takes the slow path, which writes it as it is.
  return ESCAPED.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/**
 * `value`, flattened in place. A string built by concatenation is a tree of its pieces (a rope),
 * and every use that needs its characters in a row (joining it into a larger string, encoding it
 * as bytes) walks that tree again, which for a record block of a few hundred pieces costs more
 * than copying it. A block kept to be written many times is therefore flattened once, when it is
 * kept. V8 flattens a string when converting it to a number (a record block is not one: the
 * conversion stops at its first character); elsewhere this is only a conversion.
 */
export function flatString(value: string): string {
  void Number(value);
  return value;
}

/**
 * What `JSON.stringify` writes for `value`, remembered when `value` is a deeply frozen tree of
 * plain data (plain objects and arrays, frozen all the way down, without accessors or `toJSON`):
 * such a tree can never change, and the storage cache hands the same frozen documents (a KV
 * version) to every read of them. Anything else is written afresh each time.
 */
export function frozenJson(value: object): string {
  const known = frozenTexts.get(value);
  if (known !== undefined) return known ?? JSON.stringify(value);
  if (!Object.isFrozen(value)) return JSON.stringify(value);
  const text = JSON.stringify(value);
  // Checked after writing: a tree JSON cannot write has thrown by now.
  frozenTexts.set(value, isFrozenData(value, new Set()) ? text : null);
  return text;
}

/** Texts by tree; null for a frozen object that is not frozen plain data all the way down. */
const frozenTexts = new WeakMap<object, string | null>();

function isFrozenData(value: object, path: Set<object>): boolean {
  if (!Object.isFrozen(value) || path.has(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  const plain = Array.isArray(value)
    ? proto === Array.prototype
    : proto === Object.prototype || proto === null;
  if (!plain) return false;
  path.add(value);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor === undefined || !('value' in descriptor) || key === 'toJSON') return false;
    const child: unknown = descriptor.value;
    if (typeof child === 'object' && child !== null && !isFrozenData(child, path)) return false;
  }
  path.delete(value);
  return true;
}
