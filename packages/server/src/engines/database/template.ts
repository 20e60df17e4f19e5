/**
 * SQL statement templating, as Vault's database plugins do it.
 *
 * Statements are split into single queries first and templated second, so a substituted value
 * (a password) can never change how a statement is split. Placeholders are `{{name}}`,
 * `{{username}}`, `{{password}}` and `{{expiration}}`; unknown placeholders are left as they are.
 *
 * Substitution is textual: a role's statements decide the quoting (`'{{password}}'`,
 * `"{{name}}"`). That is safe because every value the engine substitutes comes from a fixed
 * alphabet: generated passwords are `[A-Za-z0-9-]`, generated usernames are sanitised to
 * `[A-Za-z0-9_-]` (see username.ts).
 */

export type StatementValues = Readonly<
  Partial<Record<'name' | 'username' | 'password' | 'expiration', string>>
>;

/** Replaces `{{key}}` (spaces inside the braces allowed) for each key given. */
export function renderTemplate(text: string, values: StatementValues): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, key: string) => {
    const value = (values as Record<string, string | undefined>)[key];
    return value ?? whole;
  });
}

/**
 * Splits each statement on `;` outside single quotes, double quotes, dollar quotes (`$$ ... $$`,
 * `$tag$ ... $tag$`) and comments, trims, and drops empty pieces. A PL/pgSQL `DO $$ ... $$` block
 * therefore stays whole (Vault needs a heuristic on `END` for the same thing).
 */
export function splitStatements(statements: readonly string[]): string[] {
  const out: string[] = [];
  for (const statement of statements) {
    let current = '';
    let i = 0;
    while (i < statement.length) {
      const ch = statement[i] ?? '';
      const next = statement[i + 1] ?? '';
      if (ch === "'" || ch === '"' || ch === '`') {
        const end = closingQuote(statement, i, ch);
        current += statement.slice(i, end);
        i = end;
      } else if (ch === '-' && next === '-') {
        const end = statement.indexOf('\n', i);
        const stop = end === -1 ? statement.length : end;
        current += statement.slice(i, stop);
        i = stop;
      } else if (ch === '/' && next === '*') {
        const end = statement.indexOf('*/', i + 2);
        const stop = end === -1 ? statement.length : end + 2;
        current += statement.slice(i, stop);
        i = stop;
      } else if (ch === '$') {
        const tag = /^\$[A-Za-z_]*\$/.exec(statement.slice(i))?.[0];
        if (tag === undefined) {
          current += ch;
          i++;
        } else {
          const end = statement.indexOf(tag, i + tag.length);
          const stop = end === -1 ? statement.length : end + tag.length;
          current += statement.slice(i, stop);
          i = stop;
        }
      } else if (ch === ';') {
        if (current.trim() !== '') out.push(current.trim());
        current = '';
        i++;
      } else {
        current += ch;
        i++;
      }
    }
    if (current.trim() !== '') out.push(current.trim());
  }
  return out;
}

/** Index just past the quote that closes the one at `start` (doubled quotes are escapes). */
function closingQuote(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\' && quote !== '"') {
      i += 2;
      continue;
    }
    if (text[i] === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

/** Vault's expiration format for `{{expiration}}`: `2006-01-02 15:04:05-0700`, in UTC. */
export function formatExpiration(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+0000`;
}

/** A PostgreSQL identifier, double-quoted. */
export function quoteIdent(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** A PostgreSQL string literal (standard_conforming_strings on, the default since 9.1). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
