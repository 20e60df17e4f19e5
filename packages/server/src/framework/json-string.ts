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
