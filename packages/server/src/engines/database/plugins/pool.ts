/**
 * The connection pool a SQL plugin keeps for one config, shared by the MySQL and PostgreSQL
 * plugins: only how a driver's pool is built and how a connection is taken from it differ.
 *
 * The pool is built on first use, from the config's connection URL with the admin credentials
 * filled in; an unparsable URL is a 400 that names no part of it. Every connection goes through
 * `withPooledConnection`, so neither the admin password nor the secrets a caller passes (the
 * statement values) can reach an error message.
 */
import { parseConnectionUrl } from '../connection-url.ts';
import type { ParsedConnection } from '../connection-url.ts';
import type { ConnectionSettings } from '../plugin.ts';
import { databaseError, withPooledConnection } from '../sanitize.ts';

/** How long a driver may take to open a connection. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The pool size: `max_open_connections`, or Vault's default of 4. */
export function poolSize(settings: ConnectionSettings): number {
  return settings.maxOpenConnections > 0 ? settings.maxOpenConnections : 4;
}

/** The parsed URL's endpoint and credentials, as both drivers' pool options name them. */
export function endpointOptions(parsed: ParsedConnection): {
  host: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
} {
  return {
    host: parsed.host,
    ...(parsed.port === undefined ? {} : { port: parsed.port }),
    ...(parsed.user === undefined ? {} : { user: parsed.user }),
    ...(parsed.password === undefined ? {} : { password: parsed.password }),
    ...(parsed.database === undefined ? {} : { database: parsed.database }),
  };
}

export interface LazyPool<C> {
  /**
   * Runs `fn` on a pooled connection (building the pool first if needed). Failures become
   * sanitized `databaseError(what, ...)`s, with the admin password and `extraSecrets` redacted.
   */
  readonly withConnection: <T>(
    what: string,
    extraSecrets: readonly (string | undefined)[],
    fn: (conn: C) => Promise<T>,
  ) => Promise<T>;
  /** Ends the pool, if one was built; idempotent, never throws. */
  readonly close: () => Promise<void>;
}

/**
 * A pool built on first use by `driver.open` from the parsed connection URL, lending
 * connections through `driver.acquire`.
 */
export function lazyPool<P extends { end(): Promise<void> }, C extends { release(): void }>(
  settings: ConnectionSettings,
  driver: {
    readonly open: (parsed: ParsedConnection) => P;
    readonly acquire: (pool: P) => Promise<C>;
  },
): LazyPool<C> {
  const secrets = [settings.password];
  let pool: P | undefined;

  const getPool = (): P => {
    if (pool !== undefined) return pool;
    let parsed;
    try {
      parsed = parseConnectionUrl(settings.connectionUrl, settings);
    } catch (error) {
      throw databaseError('invalid connection_url', error, secrets, 400);
    }
    const created = driver.open(parsed);
    pool = created;
    return created;
  };

  return {
    withConnection: (what, extraSecrets, fn) =>
      withPooledConnection(
        () => driver.acquire(getPool()),
        what,
        [...secrets, ...extraSecrets],
        fn,
      ),

    close: async () => {
      const current = pool;
      pool = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
