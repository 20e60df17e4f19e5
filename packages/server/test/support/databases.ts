/**
 * Real database services for the database-engine integration tests: connection settings from the
 * environment (with the documented defaults), a reachability probe, and helpers that ask the
 * database itself what a credential allows.
 *
 * Outside CI an unreachable service skips its tests with the reason; under `CI=true` the tests
 * run and fail.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const CI = process.env.CI === 'true';

export interface PgSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

export interface MysqlSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export function pgSettings(): PgSettings {
  return {
    host: process.env.PGHOST ?? '127.0.0.1',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? 'postgres',
    database: process.env.PGDATABASE ?? 'test',
  };
}

export function mysqlSettings(): MysqlSettings {
  return {
    host: process.env.MYSQL_HOST ?? '127.0.0.1',
    port: Number(process.env.MYSQL_PORT ?? 3306),
    user: process.env.MYSQL_USER ?? 'root',
    password: process.env.MYSQL_PASSWORD ?? '',
    database: process.env.MYSQL_DATABASE ?? 'test',
  };
}

export interface Probe {
  readonly ok: boolean;
  readonly reason: string;
}

/** Connects once; prints why the tests will be skipped (or fail, under CI) when it cannot. */
export async function probePostgres(settings: PgSettings): Promise<Probe> {
  const client = new pg.Client({ ...settings, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true, reason: '' };
  } catch (error) {
    return report('PostgreSQL', settings, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function probeMysql(settings: MysqlSettings): Promise<Probe> {
  try {
    const conn = await mysql.createConnection({ ...settings, connectTimeout: 3000 });
    await conn.query('SELECT 1');
    await conn.end();
    return { ok: true, reason: '' };
  } catch (error) {
    return report('MySQL', settings, error);
  }
}

function report(name: string, settings: { host: string; port: number }, error: unknown): Probe {
  const reason = `${name} at ${settings.host}:${settings.port} is unreachable (${
    error instanceof Error ? error.message : String(error)
  })`;
  process.stderr.write(
    CI ? `${reason}: failing (CI=true)\n` : `${reason}: skipping its tests (set CI=true to fail)\n`,
  );
  return { ok: false, reason };
}

/** A short random suffix for names unique to one run. */
export function runId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Whether `password` matches a PostgreSQL SCRAM-SHA-256 verifier (`pg_authid.rolpassword`).
 * The local PostgreSQL uses trust authentication, so a login cannot prove a password; the
 * verifier is what password authentication would check.
 */
export function scramMatches(verifier: string | null, password: string): boolean {
  if (verifier === null) return false;
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (match === null) return false;
  const [, iterations, salt, storedKey] = match;
  const salted = pbkdf2Sync(
    password,
    Buffer.from(salt ?? '', 'base64'),
    Number(iterations),
    32,
    'sha256',
  );
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return createHash('sha256').update(clientKey).digest('base64') === storedKey;
}
