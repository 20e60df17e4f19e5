/**
 * Running a role's statements, shared by the MySQL and PostgreSQL plugins: both template the
 * split statements with Vault's values and run them in one transaction, rolled back on failure.
 * Only the statement that opens a transaction differs per dialect.
 */
import { renderTemplate } from '../template.ts';
import type { StatementValues } from '../template.ts';

/** A pooled connection that runs one SQL text (both `mysql2` and `pg` connections are). */
export interface SqlConnection {
  query(sql: string): Promise<unknown>;
}

/**
 * Runs `queries` (already split) in one transaction opened with `begin`, each templated with
 * `values`. On failure it rolls back (best effort) and rethrows the statement's error.
 *
 * Statements go through `query` with no parameters (the text protocol): CREATE USER and GRANT
 * are not all preparable.
 */
export async function runInTransaction(
  conn: SqlConnection,
  begin: string,
  queries: readonly string[],
  values: StatementValues,
): Promise<void> {
  await conn.query(begin);
  try {
    for (const query of queries) await conn.query(renderTemplate(query, values));
    await conn.query('COMMIT');
  } catch (error) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The statement values for a user, as Vault names them: `{{name}}` and `{{username}}` are both
 * the username, plus whichever of `{{password}}` and `{{expiration}}` the operation has.
 */
export function userValues(
  username: string,
  extra: Pick<StatementValues, 'password' | 'expiration'> = {},
): StatementValues {
  return { name: username, username, ...extra };
}
