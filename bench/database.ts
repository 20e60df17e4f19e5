/**
 * Database credential issuance (issue: database engine).
 *   `GET database/creds/<role>` through the server over HTTP (token auth, ACL, username and
 *   password generation, the role's SQL in a transaction, lease persisted) against running the
 *   same role SQL directly with `pg` (one pooled connection, BEGIN/CREATE ROLE/GRANT/COMMIT).
 *   Interleaved one-for-one; p50 and p99 latency of each, and their ratios.   target p50 <= 1.5x
 * Needs the local PostgreSQL (PGHOST/PGPORT/PGUSER/PGDATABASE); every role made is dropped.
 */
import { randomBytes } from 'node:crypto';
import { VaultClient } from '@strongroom/client';
import pg from 'pg';
import { builtinBackends } from '../packages/server/src/builtin.ts';
import { databaseBackendFactory } from '../packages/server/src/engines/database/index.ts';
import { startServer } from '../packages/server/src/server.ts';
import { fmt, percentile, report } from './lib.ts';

export interface DatabaseFigures {
  readonly p50Ratio: number;
  readonly p99Ratio: number;
}

const ITERATIONS = 300;
const WARMUP = 20;

export async function runDatabase(): Promise<DatabaseFigures | undefined> {
  report('## database engine: credential issuance');
  const settings = {
    host: process.env.PGHOST ?? '127.0.0.1',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? 'postgres',
    database: process.env.PGDATABASE ?? 'test',
  };
  const admin = new pg.Client(settings);
  try {
    await admin.connect();
  } catch (error) {
    report(`skipped: PostgreSQL unreachable (${error instanceof Error ? error.message : 'error'})`);
    return undefined;
  }
  const run = randomBytes(3).toString('hex');
  const table = `sr_bench_${run}`;
  await admin.query(`CREATE TABLE ${table} (id int)`);
  const creation = [
    `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    `GRANT SELECT ON ${table} TO "{{name}}";`,
  ];
  const server = await startServer({
    dev: {},
    listenAddress: '127.0.0.1:0',
    backends: { ...builtinBackends, database: databaseBackendFactory },
    config: {
      listener: { address: '127.0.0.1:0', tlsDisable: true },
      storage: { kind: 'inmem' },
      logLevel: 'warn',
    },
  });
  const client = new VaultClient({ address: server.address, token: server.rootToken ?? '' });
  await client.sys.enableMount('database', { type: 'database' });
  await client.write('database/config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}@${settings.host}:${settings.port}/${settings.database}?sslmode=disable`,
    username: settings.user,
    allowed_roles: '*',
    max_open_connections: 1,
  });
  await client.write('database/roles/bench', {
    db_name: 'pg',
    creation_statements: creation,
    default_ttl: '1h',
  });

  const direct = new pg.Pool({ ...settings, max: 1 });
  const made: string[] = [];
  let n = 0;
  const bare = async (): Promise<void> => {
    const name = `sr-bench-${run}-${n++}`;
    const password = randomBytes(15).toString('base64url');
    const expiry = new Date(Date.now() + 3_600_000).toISOString();
    made.push(name);
    const conn = await direct.connect();
    try {
      await conn.query('BEGIN');
      await conn.query(
        `CREATE ROLE "${name}" WITH LOGIN PASSWORD '${password}' VALID UNTIL '${expiry}'`,
      );
      await conn.query(`GRANT SELECT ON ${table} TO "${name}"`);
      await conn.query('COMMIT');
    } finally {
      conn.release();
    }
  };
  const viaServer = async (): Promise<void> => {
    const creds = await client.read('database/creds/bench');
    made.push((creds?.data as { username: string }).username);
  };

  const base: number[] = [];
  const subject: number[] = [];
  const time = async (fn: () => Promise<void>, into: number[] | undefined): Promise<void> => {
    const start = process.hrtime.bigint();
    await fn();
    into?.push(Number(process.hrtime.bigint() - start) / 1e6);
  };
  try {
    for (let i = 0; i < WARMUP; i++) {
      await time(bare, undefined);
      await time(viaServer, undefined);
    }
    for (let i = 0; i < ITERATIONS; i++) {
      // Alternate which goes first, so neither always follows the other.
      if (i % 2 === 0) {
        await time(bare, base);
        await time(viaServer, subject);
      } else {
        await time(viaServer, subject);
        await time(bare, base);
      }
    }
  } finally {
    await server.close();
    await direct.end();
    for (const name of made) {
      await admin.query(`DROP OWNED BY "${name}"`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS "${name}"`).catch(() => undefined);
    }
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  }
  const p50 = { base: percentile(base, 50), subject: percentile(subject, 50) };
  const p99 = { base: percentile(base, 99), subject: percentile(subject, 99) };
  const figures = { p50Ratio: p50.subject / p50.base, p99Ratio: p99.subject / p99.base };
  report(
    `issuance p50: server ${fmt(p50.subject)} ms vs bare SQL ${fmt(p50.base)} ms -> ratio ${fmt(figures.p50Ratio)}x (target <= 1.5x)`,
  );
  report(
    `issuance p99: server ${fmt(p99.subject)} ms vs bare SQL ${fmt(p99.base)} ms -> ratio ${fmt(figures.p99Ratio)}x`,
  );
  return figures;
}
