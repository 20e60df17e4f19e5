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
import { parseConnectionUrl } from '../connection-url.ts';
import type { ConnectionSettings, DatabasePlugin, PluginContext, PluginName } from '../plugin.ts';
import { databaseError, errorSummary, withPooledConnection } from '../sanitize.ts';
import { formatExpiration, renderTemplate, splitStatements } from '../template.ts';
import type { StatementValues } from '../template.ts';
import { MYSQL_LEGACY_USERNAME_TEMPLATE, MYSQL_USERNAME_TEMPLATE } from '../username.ts';

const CONNECT_TIMEOUT_MS = 10_000;

export function createMysqlPlugin(
  pluginName: PluginName,
  settings: ConnectionSettings,
  context: PluginContext,
): DatabasePlugin {
  const secrets = [settings.password];
  let pool: Pool | undefined;

  const getPool = (): Pool => {
    if (pool !== undefined) return pool;
    let parsed;
    try {
      parsed = parseConnectionUrl(settings.connectionUrl, settings);
    } catch (error) {
      throw databaseError('invalid connection_url', error, secrets, 400);
    }
    const size = settings.maxOpenConnections > 0 ? settings.maxOpenConnections : 4;
    const created = createPool({
      host: parsed.host,
      ...(parsed.port === undefined ? {} : { port: parsed.port }),
      ...(parsed.user === undefined ? {} : { user: parsed.user }),
      ...(parsed.password === undefined ? {} : { password: parsed.password }),
      ...(parsed.database === undefined ? {} : { database: parsed.database }),
      connectionLimit: size,
      maxIdle: settings.maxIdleConnections > 0 ? Math.min(settings.maxIdleConnections, size) : size,
      idleTimeout: settings.maxConnectionLifetimeMs > 0 ? settings.maxConnectionLifetimeMs : 60_000,
      connectTimeout: CONNECT_TIMEOUT_MS,
      multipleStatements: false,
      ...(parsed.params.tls === 'true' || parsed.params.tls === 'skip-verify'
        ? { ssl: { rejectUnauthorized: parsed.params.tls === 'true' } }
        : {}),
    });
    pool = created;
    return created;
  };

  const withConnection = <T>(
    what: string,
    extraSecrets: readonly (string | undefined)[],
    fn: (conn: PoolConnection) => Promise<T>,
  ): Promise<T> =>
    withPooledConnection(() => getPool().getConnection(), what, [...secrets, ...extraSecrets], fn);

  const transaction = async (
    conn: PoolConnection,
    queries: readonly string[],
    values: StatementValues,
  ): Promise<void> => {
    await conn.beginTransaction();
    try {
      // `query` (text protocol): CREATE USER and GRANT are not all preparable.
      for (const query of queries) await conn.query(renderTemplate(query, values));
      await conn.commit();
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    }
  };

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
      const values = {
        name: input.username,
        username: input.username,
        password: input.password,
        expiration: formatExpiration(input.expiration),
      };
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
        transaction(conn, queries, {
          name: input.username,
          username: input.username,
          expiration: formatExpiration(input.expiration),
        }),
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
        await transaction(conn, queries, { name: input.username, username: input.username });
      }),

    setPassword: (input) =>
      withConnection('unable to set password', [input.password], async (conn) => {
        const queries = splitStatements(input.statements);
        if (queries.length > 0) {
          await transaction(conn, queries, {
            name: input.username,
            username: input.username,
            password: input.password,
          });
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
          await transaction(conn, queries, {
            name: settings.username,
            username: settings.username,
            password: input.password,
          });
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

    async close() {
      const current = pool;
      pool = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
