/**
 * PostgreSQL plugin (`postgresql-database-plugin`), on a `pg.Pool`.
 *
 * - Creation runs in one transaction; the default `VALID UNTIL` lives in the role's statements
 *   (`{{expiration}}` is the lease's expiry), so PostgreSQL itself refuses the user once the
 *   lease is over, even when this server is down.
 * - Renewal runs `renew_statements` or `ALTER ROLE ... VALID UNTIL`.
 * - Default revocation: stop new logins, end the user's sessions, hand what it owns to the admin
 *   (REASSIGN OWNED), drop its remaining privileges (DROP OWNED), drop the role. Succeeds when the
 *   role is already gone. As Vault, it keeps going after a failed step to remove as much access as
 *   possible, and fails only if the role could not be dropped.
 */
import pg from 'pg';
import { KeyedLock } from '../../../framework/keyed-lock.ts';
import { badRequest } from '../../../logical/errors.ts';
import type { PoolClient } from 'pg';
import { parseConnectionUrl } from '../connection-url.ts';
import type { ConnectionSettings, DatabasePlugin, PluginContext, PluginName } from '../plugin.ts';
import { databaseError, errorSummary, withPooledConnection } from '../sanitize.ts';
import {
  formatExpiration,
  quoteIdent,
  quoteLiteral,
  renderTemplate,
  splitStatements,
} from '../template.ts';
import type { StatementValues } from '../template.ts';
import { POSTGRES_USERNAME_TEMPLATE } from '../username.ts';

const CONNECT_TIMEOUT_MS = 10_000;

export function createPostgresPlugin(
  pluginName: PluginName,
  settings: ConnectionSettings,
  context: PluginContext,
): DatabasePlugin {
  const secrets = [settings.password];
  let pool: pg.Pool | undefined;

  const getPool = (): pg.Pool => {
    if (pool !== undefined) return pool;
    let parsed;
    try {
      parsed = parseConnectionUrl(settings.connectionUrl, settings);
    } catch (error) {
      throw databaseError('invalid connection_url', error, secrets, 400);
    }
    const sslmode = parsed.params.sslmode ?? 'prefer';
    const created = new pg.Pool({
      host: parsed.host,
      ...(parsed.port === undefined ? {} : { port: parsed.port }),
      ...(parsed.user === undefined ? {} : { user: parsed.user }),
      ...(parsed.password === undefined ? {} : { password: parsed.password }),
      ...(parsed.database === undefined ? {} : { database: parsed.database }),
      ssl:
        sslmode === 'disable' || sslmode === 'prefer' || sslmode === 'allow'
          ? false
          : sslmode === 'verify-full' || sslmode === 'verify-ca'
            ? true
            : { rejectUnauthorized: false },
      max: settings.maxOpenConnections > 0 ? settings.maxOpenConnections : 4,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: settings.maxIdleConnections === 0 ? 30_000 : 60_000,
      ...(settings.maxConnectionLifetimeMs > 0
        ? { maxLifetimeSeconds: Math.max(1, Math.round(settings.maxConnectionLifetimeMs / 1000)) }
        : {}),
      // Pools never keep the process alive, like the server's timers.
      allowExitOnIdle: true,
      application_name: 'strongroom',
    });
    // An idle client's error (the server restarted, a session was terminated) must not crash
    // the process; the pool replaces the client. Only the code is logged.
    created.on('error', (error) => {
      context.logger.warn({ err: errorSummary(error) }, 'database pool connection error');
    });
    pool = created;
    return created;
  };

  /**
   * Catalog changes run one at a time per connection, as Vault's plugin does: concurrent
   * GRANTs on one object (or DROP OWNED of users granted on it) otherwise fail with
   * "tuple concurrently updated", failing issuance and leaving revocations to retry.
   */
  const catalog = new KeyedLock();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => catalog.run('catalog', work);

  const withClient = <T>(
    what: string,
    extraSecrets: readonly (string | undefined)[],
    fn: (client: PoolClient) => Promise<T>,
  ): Promise<T> =>
    withPooledConnection(() => getPool().connect(), what, [...secrets, ...extraSecrets], fn);

  /** Runs `queries` (already split) in one transaction, templated with `values`. */
  const transaction = async (
    client: PoolClient,
    queries: readonly string[],
    values: StatementValues,
  ): Promise<void> => {
    await client.query('BEGIN');
    try {
      for (const query of queries) await client.query(renderTemplate(query, values));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  };

  const roleExists = async (client: PoolClient, username: string): Promise<boolean> => {
    const result = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
    return (result.rowCount ?? 0) > 0;
  };

  return {
    pluginName,
    defaultUsernameTemplate: POSTGRES_USERNAME_TEMPLATE,

    verify: () =>
      withClient('error verifying connection', [], async (client) => {
        await client.query('SELECT 1');
      }),

    newUser: (input) => {
      const queries = splitStatements(input.statements);
      if (queries.length === 0) {
        return Promise.reject(badRequest('empty creation statements'));
      }
      return serialised(() =>
        withClient('unable to create user', [input.password], (client) =>
          transaction(client, queries, {
            name: input.username,
            username: input.username,
            password: input.password,
            expiration: formatExpiration(input.expiration),
          }),
        ),
      );
    },

    renewUser: (input) =>
      withClient('unable to renew user', [], (client) => {
        const queries = splitStatements(input.statements);
        const values = {
          name: input.username,
          username: input.username,
          expiration: formatExpiration(input.expiration),
        };
        if (queries.length > 0) return transaction(client, queries, values);
        return transaction(
          client,
          [
            `ALTER ROLE ${quoteIdent(input.username)} VALID UNTIL ${quoteLiteral(values.expiration)}`,
          ],
          {},
        );
      }),

    revokeUser: (input) =>
      serialised(() =>
        withClient('unable to revoke user', [], async (client) => {
          if (!(await roleExists(client, input.username))) return;
          const queries = splitStatements(input.statements);
          if (queries.length > 0) {
            await transaction(client, queries, { name: input.username, username: input.username });
            return;
          }
          const ident = quoteIdent(input.username);
          // Best effort, in order; the DROP ROLE at the end is what must succeed.
          const steps = [
            `ALTER ROLE ${ident} NOLOGIN`,
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
            `REASSIGN OWNED BY ${ident} TO CURRENT_USER`,
            `DROP OWNED BY ${ident}`,
          ];
          for (const step of steps) {
            try {
              await client.query(step, step.includes('$1') ? [input.username] : []);
            } catch (error) {
              context.logger.warn(
                { err: errorSummary(error) },
                'revocation step failed; continuing',
              );
            }
          }
          await client.query(`DROP ROLE IF EXISTS ${ident}`);
        }),
      ),

    setPassword: (input) =>
      withClient('unable to set password', [input.password], (client) => {
        const queries = splitStatements(input.statements);
        if (queries.length > 0) {
          return transaction(client, queries, {
            name: input.username,
            username: input.username,
            password: input.password,
          });
        }
        return transaction(
          client,
          [
            `ALTER ROLE ${quoteIdent(input.username)} WITH PASSWORD ${quoteLiteral(input.password)}`,
          ],
          {},
        );
      }),

    rotateRootPassword: (input) =>
      withClient('unable to rotate root credentials', [input.password], (client) => {
        const queries = splitStatements(input.statements);
        if (queries.length > 0) {
          return transaction(client, queries, {
            name: settings.username,
            username: settings.username,
            password: input.password,
          });
        }
        return transaction(
          client,
          [`ALTER ROLE CURRENT_USER WITH PASSWORD ${quoteLiteral(input.password)}`],
          {},
        );
      }),

    async close() {
      const current = pool;
      pool = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
