/**
 * A small dotenv parser.
 *
 * Written here rather than using `node:util`'s `parseEnv` because that parser's edge cases have
 * changed between Node releases (multi-line values, comments after quotes) and our engine range
 * starts at 22.12: a secrets file must mean the same thing on every supported Node.
 *
 * Accepted syntax, one assignment per line:
 * - `KEY=value`, optionally prefixed by `export `; spaces around `=` are allowed.
 *   Keys match `[A-Za-z_][A-Za-z0-9_.-]*`. A later assignment to the same key wins.
 * - Blank lines and lines whose first non-blank character is `#` are ignored.
 * - Unquoted values are trimmed; a `#` preceded by whitespace starts a comment
 *   (`PASS=a#b` keeps `a#b`, as a shell would).
 * - `"double quoted"` values may span lines and understand `\n`, `\r`, `\t`, `\"` and `\\`;
 *   any other backslash is kept as written.
 * - `'single quoted'` and `` `backtick quoted` `` values are literal and may span lines.
 * - After a closing quote only whitespace and a `# comment` may follow.
 * - No variable expansion: `$OTHER` is kept as written.
 *
 * Contract: a syntax error names the line number and what was expected, never any text from
 * the file, because the file holds secrets (a mangled line may well be half a password).
 */

/** The file is not valid dotenv. The message carries a line number, never file contents. */
export class DotenvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, reason: string) {
    super(`invalid dotenv syntax at line ${line}: ${reason}`);
    this.name = 'DotenvSyntaxError';
    this.line = line;
  }
}

const KEY = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const EXPORT = /export[ \t]+/y;
/** Escapes understood inside double quotes; a Map so no prototype key can ever match. */
const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['"', '"'],
  ['\\', '\\'],
]);

/**
 * Parses dotenv text into a null-prototype record (so keys such as `__proto__` are plain data).
 * Throws `DotenvSyntaxError` on malformed input.
 */
export function parseDotenv(text: string): Record<string, string> {
  const src = text.replace(/\r\n?/g, '\n');
  const result = Object.create(null) as Record<string, string>;
  let i = 0;
  let line = 1;

  const skipBlanks = (): boolean => {
    const start = i;
    while (src[i] === ' ' || src[i] === '\t') i++;
    return i > start;
  };
  const skipToEndOfLine = (): void => {
    while (i < src.length && src[i] !== '\n') i++;
  };

  while (i < src.length) {
    skipBlanks();
    if (i >= src.length) break;
    if (src[i] === '\n') {
      i++;
      line++;
      continue;
    }
    if (src[i] === '#') {
      skipToEndOfLine();
      continue;
    }

    EXPORT.lastIndex = i;
    if (EXPORT.test(src)) i = EXPORT.lastIndex;

    KEY.lastIndex = i;
    const keyMatch = KEY.exec(src);
    if (keyMatch === null) throw new DotenvSyntaxError(line, 'expected a variable name');
    const key = keyMatch[0];
    i = KEY.lastIndex;

    skipBlanks();
    if (src[i] !== '=') throw new DotenvSyntaxError(line, 'expected "=" after the variable name');
    i++;
    const spaced = skipBlanks();

    const quote = src[i];
    let value: string;
    if (quote === '"' || quote === "'" || quote === '`') {
      const startLine = line;
      i++;
      let out = '';
      for (;;) {
        if (i >= src.length) throw new DotenvSyntaxError(startLine, 'unterminated quoted value');
        const c = src[i] as string;
        if (c === quote) {
          i++;
          break;
        }
        if (c === '\n') line++;
        if (c === '\\' && quote === '"' && i + 1 < src.length) {
          const next = src[i + 1] as string;
          const escaped = ESCAPES.get(next);
          if (escaped !== undefined) {
            out += escaped;
            i += 2;
            continue;
          }
        }
        out += c;
        i++;
      }
      value = out;
      skipBlanks();
      if (src[i] === '#') skipToEndOfLine();
      if (i < src.length && src[i] !== '\n') {
        throw new DotenvSyntaxError(line, 'unexpected characters after the closing quote');
      }
    } else {
      const start = i;
      skipToEndOfLine();
      let raw = src.slice(start, i);
      // A comment needs whitespace before it; `KEY= # note` (blank before `#`) is empty.
      if (spaced && raw.startsWith('#')) raw = '';
      const comment = /[ \t]#/.exec(raw);
      if (comment !== null) raw = raw.slice(0, comment.index);
      value = raw.trim();
    }
    result[key] = value;
  }
  return result;
}
