/**
 * MySQL / MariaDB plugin (`mysql-database-plugin`, and the 16-character-username variants
 * `mysql-legacy-database-plugin`, `mysql-rds-database-plugin`, `mysql-aurora-database-plugin`),
 * on a `mysql2/promise` pool.
 *
 * - Statements run in a transaction, but MySQL commits DDL implicitly (CREATE USER, GRANT), so a
 *   creation that fails part-way runs `rollback_statements`, or drops the half-made user.
 * - Renewal is a no-op unless `renew_statements` are given (MySQL has no login expiry).
 * - Default revocation ends the user's sessions and drops the user at every host it exists on
 *   (`DROP USER IF EXISTS`); success when it is already gone.
 * - Defaults are built with the driver's own escaping (`?` placeholders), never by hand.
 */
import { createPool } from 'mysql2/promise';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { badRequest } from '../../../logical/errors.ts';
import type { ConnectionSettings, DatabasePlugin, PluginContext, PluginName } from '../plugin.ts';
import { errorSummary } from '../sanitize.ts';
import { formatExpiration, splitStatements } from '../template.ts';
import type { StatementValues } from '../template.ts';
import { MYSQL_LEGACY_USERNAME_TEMPLATE, MYSQL_USERNAME_TEMPLATE } from '../username.ts';
import { CONNECT_TIMEOUT_MS, endpointOptions, lazyPool, poolSize } from './pool.ts';
import { runInTransaction, userValues } from './statements.ts';

export function createMysqlPlugin(
  pluginName: PluginName,
  settings: ConnectionSettings,
  context: PluginContext,
): DatabasePlugin {
  const { withConnection, close } = lazyPool(settings, {
    open: (parsed): Pool => {
      const size = poolSize(settings);
      return createPool({
        ...endpointOptions(parsed),
        connectionLimit: size,
        maxIdle:
          settings.maxIdleConnections > 0 ? Math.min(settings.maxIdleConnections, size) : size,
        idleTimeout:
          settings.maxConnectionLifetimeMs > 0 ? settings.maxConnectionLifetimeMs : 60_000,
        connectTimeout: CONNECT_TIMEOUT_MS,
        multipleStatements: false,
        ...(parsed.params.tls === 'true' || parsed.params.tls === 'skip-verify'
          ? { ssl: { rejectUnauthorized: parsed.params.tls === 'true' } }
          : {}),
      });
    },
    acquire: (created) => created.getConnection(),
  });

  /** `START TRANSACTION` is what mysql2's `beginTransaction()` sends. */
  const transaction = (
    conn: PoolConnection,
    queries: readonly string[],
    values: StatementValues,
  ): Promise<void> => runInTransaction(conn, 'START TRANSACTION', queries, values);

  /** The hosts `username` exists at; undefined when mysql.user cannot be read. */
  const userHosts = async (
    conn: PoolConnection,
    username: string,
  ): Promise<string[] | undefined> => {
    try {
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT Host AS host FROM mysql.user WHERE User = ?',
        [username],
      );
      return rows.map((row) => String(row.host));
    } catch {
      return undefined;
    }
  };

  const dropUser = async (conn: PoolConnection, username: string): Promise<void> => {
    const hosts = (await userHosts(conn, username)) ?? ['%'];
    try {
      const [sessions] = await conn.query<RowDataPacket[]>(
        'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()',
        [username],
      );
      for (const row of sessions) {
        await conn.query('KILL CONNECTION ?', [Number(row.id)]).catch(() => undefined);
      }
    } catch (error) {
      context.logger.warn({ err: errorSummary(error) }, 'ending sessions failed; continuing');
    }
    for (const host of hosts) await conn.query('DROP USER IF EXISTS ?@?', [username, host]);
  };

  const defaultTemplate =
    pluginName === 'mysql-database-plugin'
      ? MYSQL_USERNAME_TEMPLATE
      : MYSQL_LEGACY_USERNAME_TEMPLATE;

  return {
    pluginName,
    defaultUsernameTemplate: defaultTemplate,

    verify: () =>
      withConnection('error verifying connection', [], async (conn) => {
        await conn.query('SELECT 1');
      }),

    newUser: async (input) => {
      const queries = splitStatements(input.statements);
      if (queries.length === 0) throw badRequest('empty creation statements');
      const values = userValues(input.username, {
        password: input.password,
        expiration: formatExpiration(input.expiration),
      });
      await withConnection('unable to create user', [input.password], async (conn) => {
        try {
          await transaction(conn, queries, values);
        } catch (error) {
          // DDL committed itself: undo what was made, best effort, then report the failure.
          const rollback = splitStatements(input.rollbackStatements);
          try {
            if (rollback.length > 0) await transaction(conn, rollback, values);
            else await dropUser(conn, input.username);
          } catch (cleanup) {
            context.logger.warn({ err: errorSummary(cleanup) }, 'creation rollback failed');
          }
          throw error;
        }
      });
    },

    renewUser: async (input) => {
      const queries = splitStatements(input.statements);
      if (queries.length === 0) return;
      await withConnection('unable to renew user', [], (conn) =>
        transaction(
          conn,
          queries,
          userValues(input.username, { expiration: formatExpiration(input.expiration) }),
        ),
      );
    },

    revokeUser: (input) =>
      withConnection('unable to revoke user', [], async (conn) => {
        const queries = splitStatements(input.statements);
        if (queries.length === 0) {
          await dropUser(conn, input.username);
          return;
        }
        const hosts = await userHosts(conn, input.username);
        if (hosts !== undefined && hosts.length === 0) return;
        await transaction(conn, queries, userValues(input.username));
      }),

    setPassword: (input) =>
      withConnection('unable to set password', [input.password], async (conn) => {
        const queries = splitStatements(input.statements);
        if (queries.length > 0) {
          await transaction(
            conn,
            queries,
            userValues(input.username, { password: input.password }),
          );
          return;
        }
        const hosts = (await userHosts(conn, input.username)) ?? ['%'];
        if (hosts.length === 0) throw badRequest(`user "${input.username}" does not exist`);
        for (const host of hosts) {
          await conn.query('ALTER USER ?@? IDENTIFIED BY ?', [
            input.username,
            host,
            input.password,
          ]);
        }
      }),

    rotateRootPassword: (input) =>
      withConnection('unable to rotate root credentials', [input.password], async (conn) => {
        const queries = splitStatements(input.statements);
        if (queries.length > 0) {
          await transaction(
            conn,
            queries,
            userValues(settings.username, { password: input.password }),
          );
          return;
        }
        // `ALTER USER CURRENT_USER()` is silently ignored by some MariaDB versions: name the
        // account explicitly, as the server identifies it (`user@host`).
        const [rows] = await conn.query<RowDataPacket[]>('SELECT CURRENT_USER() AS account');
        const account = String(rows[0]?.account ?? '');
        const at = account.lastIndexOf('@');
        if (at <= 0) throw badRequest('unable to rotate root credentials: unknown current user');
        await conn.query('ALTER USER ?@? IDENTIFIED BY ?', [
          account.slice(0, at),
          account.slice(at + 1),
          input.password,
        ]);
      }),

    close,
  };
}
