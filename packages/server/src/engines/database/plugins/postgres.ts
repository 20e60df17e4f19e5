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
import type { PoolClient } from 'pg';
import { KeyedLock } from '../../../framework/keyed-lock.ts';
import { badRequest } from '../../../logical/errors.ts';
import type { ConnectionSettings, DatabasePlugin, PluginContext, PluginName } from '../plugin.ts';
import { errorSummary } from '../sanitize.ts';
import { formatExpiration, quoteIdent, quoteLiteral, splitStatements } from '../template.ts';
import type { StatementValues } from '../template.ts';
import { POSTGRES_USERNAME_TEMPLATE } from '../username.ts';
import { CONNECT_TIMEOUT_MS, endpointOptions, lazyPool, poolSize } from './pool.ts';
import { runInTransaction, userValues } from './statements.ts';

export function createPostgresPlugin(
  pluginName: PluginName,
  settings: ConnectionSettings,
  context: PluginContext,
): DatabasePlugin {
  const { withConnection: withClient, close } = lazyPool(settings, {
    open: (parsed): pg.Pool => {
      const sslmode = parsed.params.sslmode ?? 'prefer';
      const created = new pg.Pool({
        ...endpointOptions(parsed),
        ssl:
          sslmode === 'disable' || sslmode === 'prefer' || sslmode === 'allow'
            ? false
            : sslmode === 'verify-full' || sslmode === 'verify-ca'
              ? true
              : { rejectUnauthorized: false },
        max: poolSize(settings),
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
      return created;
    },
    acquire: (created) => created.connect(),
  });

  /**
   * Catalog changes run one at a time per connection, as Vault's plugin does: concurrent
   * GRANTs on one object (or DROP OWNED of users granted on it) otherwise fail with
   * "tuple concurrently updated", failing issuance and leaving revocations to retry.
   */
  const catalog = new KeyedLock();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => catalog.run('catalog', work);

  /** Runs `queries` (already split) in one transaction, templated with `values`. */
  const transaction = (
    client: PoolClient,
    queries: readonly string[],
    values: StatementValues,
  ): Promise<void> => runInTransaction(client, 'BEGIN', queries, values);

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
          transaction(
            client,
            queries,
            userValues(input.username, {
              password: input.password,
              expiration: formatExpiration(input.expiration),
            }),
          ),
        ),
      );
    },

    renewUser: (input) =>
      withClient('unable to renew user', [], (client) => {
        const queries = splitStatements(input.statements);
        const expiration = formatExpiration(input.expiration);
        if (queries.length > 0) {
          return transaction(client, queries, userValues(input.username, { expiration }));
        }
        return transaction(
          client,
          [`ALTER ROLE ${quoteIdent(input.username)} VALID UNTIL ${quoteLiteral(expiration)}`],
          {},
        );
      }),

    revokeUser: (input) =>
      serialised(() =>
        withClient('unable to revoke user', [], async (client) => {
          if (!(await roleExists(client, input.username))) return;
          const queries = splitStatements(input.statements);
          if (queries.length > 0) {
            await transaction(client, queries, userValues(input.username));
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
          return transaction(
            client,
            queries,
            userValues(input.username, { password: input.password }),
          );
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
          return transaction(
            client,
            queries,
            userValues(settings.username, { password: input.password }),
          );
        }
        return transaction(
          client,
          [`ALTER ROLE CURRENT_USER WITH PASSWORD ${quoteLiteral(input.password)}`],
          {},
        );
      }),

    close,
  };
}
