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
