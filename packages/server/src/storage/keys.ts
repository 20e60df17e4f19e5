/**
 * Key rules shared by every physical backend, so that all of them answer `list` identically.
 *
 * Order: keys sort by their UTF-8 bytes (the order of Unicode code points), which is what
 * SQLite's BINARY collation and PostgreSQL's `COLLATE "C"` give, and what Vault's Go `sort.Strings`
 * gives. JavaScript's default `<` compares UTF-16 code units, which disagrees for characters
 * above U+FFFF versus U+E000..U+FFFF; `compareKeys` corrects that.
 */

/**
 * A key must be well-formed Unicode: a lone surrogate cannot be stored as UTF-8, so two
 * different JavaScript strings would collapse onto one stored key. Never silently alias keys.
 */
export function assertStorageKey(key: string): void {
  if (/\p{Cs}/u.test(key)) {
    throw new TypeError('storage key is not well-formed Unicode (lone surrogate)');
  }
}

/** Orders keys by UTF-8 bytes (code points). */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Surrogates (0xD800..0xDFFF) start code points above 0xFFFF, so they must rank after
// 0xE000..0xFFFF; everything below 0xD800 already ranks correctly.
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * The child that `key` contributes to a one-level list of `prefix` (the key must start with
 * it): its remaining name when it sits directly under the prefix, or its first segment
 * followed by `/` when it is deeper. Undefined for the key equal to the prefix itself.
 */
export function childOf(prefix: string, key: string): string | undefined {
  const rest = key.slice(prefix.length);
  if (rest === '') return undefined;
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash + 1);
}

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined when
 * there is none (empty prefix, or a prefix of U+10FFFF only). Used as an exclusive upper bound
 * of a range scan: `prefix <= key < upperBound(prefix)` holds exactly for keys under `prefix`.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop() ?? '';
    let next = (last.codePointAt(0) ?? 0) + 1;
    if (next === 0xd800) next = 0xe000; // skip the surrogate range, not valid code points
    if (next <= 0x10ffff) return codePoints.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
