/**
 * The lease restart drill (issue: "Leases survive restarts"): 1,000 real database users, half on
 * PostgreSQL and half on MariaDB, half with a 10-minute lease and half with a 30-minute one,
 * issued over HTTP by a server on file storage with a manual clock. The server is stopped, the
 * clock moves past the shorter TTL while it is down, and a new server starts on the same data.
 *
 * What it proves, asking the databases themselves (`pg_roles`, `mysql.user`) and the leases API:
 * - every lease whose expiry passed while the server was down is revoked promptly after unseal
 *   (its user is gone) without the clock moving again;
 * - every other lease is still there with its original `expire_time`, and its user still exists;
 * - no lease is lost: the leases listed after the restart are exactly the live ones issued;
 * - once the clock passes the longer TTL, no user is left behind and no lease is left.
 *
 * Background revocations run on real I/O, so the test waits on conditions polled with a
 * generous bound, never a fixed sleep. Users and tables carry this run's ID and are dropped in
 * `afterAll` whatever happened.
 */
import { join } from 'node:path';
import { ManualClock } from '@strongroom/protocol';
import { VaultApiError, VaultClient } from '@strongroom/client';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinBackends } from '../src/builtin.ts';
import { parseConfig } from '../src/config/index.ts';
import { startServer } from '../src/server.ts';
import type { RunningServer } from '../src/server.ts';
import {
  CI,
  mysqlSettings,
  pgSettings,
  probeMysql,
  probePostgres,
  runId,
} from './support/databases.ts';
import { LogSink } from './support/log-sink.ts';
import { tempDir, unsealWith } from './support/start.ts';

const pgConf = pgSettings();
const myConf = mysqlSettings();
const [pgProbe, myProbe] = await Promise.all([probePostgres(pgConf), probeMysql(myConf)]);
const ready = pgProbe.ok && myProbe.ok;

const run = runId();
const table = `sr_drill_${run}`;
const TOTAL = 1000;
const IN_FLIGHT = 16;
const SHORT_MS = 10 * 60_000;
const LONG_MS = 30 * 60_000;
/** Real-time bound for background work (issuing, revoking) to settle. */
const SETTLE_MS = 60_000;

type Db = 'pg' | 'my';
type Length = 'short' | 'long';

interface RoleSpec {
  readonly name: string;
  readonly db: Db;
  readonly length: Length;
}

/** Four roles, 250 leases each; every name carries the run ID, and so does every username. */
const ROLES: readonly RoleSpec[] = [
  { name: `pgs-${run}`, db: 'pg', length: 'short' },
  { name: `pgl-${run}`, db: 'pg', length: 'long' },
  { name: `mys-${run}`, db: 'my', length: 'short' },
  { name: `myl-${run}`, db: 'my', length: 'long' },
];
/** `srd-<role>-<random>`: at most 29 characters, within MySQL's 32. */
const USERNAME_TEMPLATE = 'srd-{{.RoleName}}-{{random 12}}';
const USER_PATTERN_PG = `srd-pg_-${run}-%`;
const USER_PATTERN_MY = `srd-my_-${run}-%`;

interface Issued {
  readonly leaseId: string;
  readonly username: string;
  readonly role: RoleSpec;
  /** `expire_time` as `sys/leases/lookup` reported it right after issue. */
  expireTime: string;
}

interface Running {
  readonly server: RunningServer;
  readonly client: VaultClient;
}

/** A server on file storage in `dir` (sealed unless new), with every built-in engine. */
async function startOnDir(dir: string, clock: ManualClock, log: LogSink): Promise<Running> {
  const text = JSON.stringify({
    listener: { tcp: { address: '127.0.0.1:0', tls_disable: 1 } },
    storage: { file: { path: dir } },
    log_level: 'warn',
  });
  const config = await parseConfig(join(dir, 'server.json'), text);
  const server = await startServer({
    config,
    clock,
    logDestination: log,
    backends: builtinBackends,
  });
  return { server, client: new VaultClient({ address: server.address }) };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Waits (real time) until `check` holds; on timeout, fails with what `describe` says. */
async function eventually(
  check: () => Promise<boolean>,
  describeState: () => Promise<string>,
  timeoutMs = SETTLE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms: ${await describeState()}`);
}

describe.skipIf(!ready && !CI)('lease restart drill (PostgreSQL and MariaDB)', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const log = new LogSink();
  const issued: Issued[] = [];
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  let pgAdmin: pg.Client | undefined;
  let myAdmin: mysql.Connection | undefined;
  let current: Running | undefined;
  let keys: string[] = [];
  let rootToken = '';
  let issuedAt = 0;

  const root = (): VaultClient => {
    if (current === undefined) throw new Error('no server running');
    return current.client.withToken(rootToken);
  };

  const pgDb = (): pg.Client => {
    if (pgAdmin === undefined) throw new Error('no PostgreSQL connection');
    return pgAdmin;
  };
  const myDb = (): mysql.Connection => {
    if (myAdmin === undefined) throw new Error('no MariaDB connection');
    return myAdmin;
  };

  /** Which of `names` exist as PostgreSQL roles. */
  async function pgExisting(names: readonly string[]): Promise<Set<string>> {
    const result = await pgDb().query<{ rolname: string }>(
      'SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])',
      [names],
    );
    return new Set(result.rows.map((row) => row.rolname));
  }

  /** Which of `names` exist as MariaDB users (at any host). */
  async function myExisting(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const [rows] = await myDb().query(
      'SELECT DISTINCT User AS user FROM mysql.user WHERE User IN (?)',
      [names],
    );
    return new Set((rows as { user: string }[]).map((row) => row.user));
  }

  /** This run's users still in either database, by any name (not only the recorded ones). */
  async function leftoverUsers(): Promise<{ pg: number; my: number }> {
    const pgRows = await pgDb().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1',
      [USER_PATTERN_PG],
    );
    const [myRows] = await myDb().query('SELECT count(*) AS n FROM mysql.user WHERE User LIKE ?', [
      USER_PATTERN_MY,
    ]);
    return {
      pg: pgRows.rows[0]?.n ?? -1,
      my: Number((myRows as { n: number | string }[])[0]?.n ?? -1),
    };
  }

  /** How many of `leases`' users still exist, split by database. */
  async function existingUsers(leases: readonly Issued[]): Promise<number> {
    const pgNames = leases.filter((l) => l.role.db === 'pg').map((l) => l.username);
    const myNames = leases.filter((l) => l.role.db === 'my').map((l) => l.username);
    return (await pgExisting(pgNames)).size + (await myExisting(myNames)).size;
  }

  /** The lease IDs listed under one role (`LIST sys/leases/lookup/database/creds/<role>/`). */
  async function listedLeases(role: RoleSpec): Promise<string[]> {
    const names = await root().list(`sys/leases/lookup/database/creds/${role.name}/`);
    return names.map((name) => `database/creds/${role.name}/${name}`);
  }

  async function listedAll(): Promise<string[]> {
    return (await Promise.all(ROLES.map(listedLeases))).flat();
  }

  async function lookupExpireTime(leaseId: string): Promise<string | undefined> {
    try {
      const reply = await root().write('sys/leases/lookup', { lease_id: leaseId });
      return (reply?.data as { expire_time: string }).expire_time;
    } catch (error) {
      if (error instanceof VaultApiError && error.status === 400) return undefined;
      throw error;
    }
  }

  const byLength = (length: Length): Issued[] => issued.filter((l) => l.role.length === length);

  beforeAll(async () => {
    const data = await tempDir('lease-drill');
    dir = data;
    const pgClient = new pg.Client({ ...pgConf });
    pgAdmin = pgClient;
    await pgClient.connect();
    myAdmin = await mysql.createConnection({ ...myConf });
    await pgClient.query(`CREATE TABLE ${table} (id int)`);
    await myAdmin.query(`CREATE TABLE ${table} (id int)`);

    current = await startOnDir(data.path, clock, log);
    const init = await current.client.sys.init({ secretShares: 1, secretThreshold: 1 });
    keys = init.keys;
    rootToken = init.root_token;
    await unsealWith(current.client, keys);
    const client = root();
    await client.sys.enableMount('database', { type: 'database' });
    await client.write('database/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${pgConf.host}:${pgConf.port}/${pgConf.database}?sslmode=disable`,
      username: pgConf.user,
      password: 'unused-by-trust-auth',
      allowed_roles: ROLES.filter((r) => r.db === 'pg').map((r) => r.name),
      username_template: USERNAME_TEMPLATE,
    });
    await client.write('database/config/my', {
      plugin_name: 'mysql-database-plugin',
      connection_url: `{{username}}:{{password}}@tcp(${myConf.host}:${myConf.port})/${myConf.database}`,
      username: myConf.user,
      password: myConf.password,
      allowed_roles: ROLES.filter((r) => r.db === 'my').map((r) => r.name),
      username_template: USERNAME_TEMPLATE,
    });
    for (const role of ROLES) {
      await client.write(`database/roles/${role.name}`, {
        db_name: role.db,
        creation_statements:
          role.db === 'pg'
            ? [
                `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
                // A GRANT on one shared table from every user, issued 16 at a time: the engine
                // must serialise catalog changes or PostgreSQL refuses some with XX000.
                `GRANT SELECT ON ${table} TO "{{name}}";`,
              ]
            : [
                `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';`,
                `GRANT SELECT ON ${myConf.database}.${table} TO '{{name}}'@'%';`,
              ],
        default_ttl: role.length === 'short' ? '10m' : '30m',
        max_ttl: '1h',
      });
    }
  }, 60_000);

  afterAll(async () => {
    await current?.server.close();
    // Whatever the drill left: every user of this run, found by name, then the tables.
    if (pgAdmin !== undefined) {
      const rows = await pgAdmin.query<{ rolname: string }>(
        'SELECT rolname FROM pg_roles WHERE rolname LIKE $1',
        [USER_PATTERN_PG],
      );
      await pgAdmin.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      for (const { rolname } of rows.rows) {
        await pgAdmin.query(`DROP OWNED BY "${rolname}"`).catch(() => undefined);
        await pgAdmin.query(`DROP ROLE IF EXISTS "${rolname}"`).catch((e: unknown) => {
          process.stderr.write(`cleanup of ${rolname} failed: ${String(e)}\n`);
        });
      }
      await pgAdmin.end();
    }
    if (myAdmin !== undefined) {
      const [rows] = await myAdmin.query(
        'SELECT User AS user, Host AS host FROM mysql.user WHERE User LIKE ?',
        [USER_PATTERN_MY],
      );
      for (const { user, host } of rows as { user: string; host: string }[]) {
        await myAdmin.query('DROP USER IF EXISTS ?@?', [user, host]).catch(() => undefined);
      }
      await myAdmin.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await myAdmin.end();
    }
    await dir?.remove();
  }, 60_000);

  it('issues 1,000 credentials over HTTP (16 in flight) and records every lease', async () => {
    issuedAt = clock.now();
    const plan = Array.from({ length: TOTAL }, (_, i) => ROLES[i % ROLES.length] as RoleSpec);
    const results = await mapLimit(plan, IN_FLIGHT, async (role) => {
      const creds = await root().read(`database/creds/${role.name}`);
      const username = (creds?.data as { username: string }).username;
      expect(creds?.lease_duration).toBe((role.length === 'short' ? SHORT_MS : LONG_MS) / 1000);
      return { leaseId: creds?.lease_id ?? '', username, role, expireTime: '' };
    });
    issued.push(...results);
    expect(new Set(issued.map((l) => l.leaseId)).size).toBe(TOTAL);
    expect(new Set(issued.map((l) => l.username)).size).toBe(TOTAL);
    for (const lease of issued) {
      expect(lease.leaseId.startsWith(`database/creds/${lease.role.name}/`)).toBe(true);
    }

    // The original expiry of every lease, as the leases API reports it.
    await mapLimit(issued, IN_FLIGHT, async (lease) => {
      lease.expireTime = (await lookupExpireTime(lease.leaseId)) ?? 'missing';
    });
    for (const lease of issued) {
      const ttl = lease.role.length === 'short' ? SHORT_MS : LONG_MS;
      expect(lease.expireTime).toBe(new Date(issuedAt + ttl).toISOString());
    }

    // Every user exists in its database, and the leases API lists every lease.
    expect(await existingUsers(issued)).toBe(TOTAL);
    expect(await leftoverUsers()).toEqual({ pg: TOTAL / 2, my: TOTAL / 2 });
    expect(new Set(await listedAll())).toEqual(new Set(issued.map((l) => l.leaseId)));
  }, 90_000);

  it('after a restart past the shorter TTL: expired leases are revoked promptly, the rest keep their expiry', async () => {
    expect(issued).toHaveLength(TOTAL);
    await current?.server.close();
    current = undefined;
    // The stopped server left no timer behind that the clock could fire into it.
    expect(clock.pendingTimers).toBe(0);
    // While the server is down, time passes the 10-minute leases but not the 30-minute ones.
    await clock.advanceTo(issuedAt + SHORT_MS + 1000);

    if (dir === undefined) throw new Error('no storage directory');
    current = await startOnDir(dir.path, clock, log);
    await unsealWith(current.client, keys);
    const restartedAt = clock.now();

    const short = byLength('short');
    const long = byLength('long');
    // Promptly: the clock does not move again; only the real I/O of the revocations runs.
    await eventually(
      async () => (await existingUsers(short)) === 0 && (await listedLeasesOf('short')) === 0,
      async () =>
        `${await existingUsers(short)} expired users remain, ${await listedLeasesOf('short')} leases; log: ${log.text.slice(-2000)}`,
    );
    expect(clock.now()).toBe(restartedAt);

    // Every expired lease is gone from the leases API, not just from the database.
    const shortLookups = await mapLimit(short, IN_FLIGHT, (l) => lookupExpireTime(l.leaseId));
    expect(shortLookups.filter((t) => t !== undefined)).toEqual([]);

    // Zero leases lost: the live leases are exactly the long ones issued, each with its
    // original expiry, and each user still exists.
    expect(new Set(await listedAll())).toEqual(new Set(long.map((l) => l.leaseId)));
    const longLookups = await mapLimit(long, IN_FLIGHT, (l) => lookupExpireTime(l.leaseId));
    const changed = long.filter((l, i) => longLookups[i] !== l.expireTime);
    expect(changed.map((l) => `${l.leaseId}: ${l.expireTime}`)).toEqual([]);
    expect(long.every((l) => l.expireTime === new Date(issuedAt + LONG_MS).toISOString())).toBe(
      true,
    );
    expect(await existingUsers(long)).toBe(TOTAL / 2);
    expect(await leftoverUsers()).toEqual({ pg: TOTAL / 4, my: TOTAL / 4 });
  }, 90_000);

  it('once the clock passes the longer TTL: zero users left behind, zero leases left', async () => {
    await clock.advanceTo(issuedAt + LONG_MS + 1000);
    await eventually(
      async () => {
        const left = await leftoverUsers();
        return left.pg === 0 && left.my === 0 && (await listedAll()).length === 0;
      },
      async () =>
        `left: ${JSON.stringify(await leftoverUsers())}, ${(await listedAll()).length} leases; log: ${log.text.slice(-2000)}`,
    );
    expect(await existingUsers(issued)).toBe(0);
    for (const role of ROLES) expect(await listedLeases(role)).toEqual([]);
    expect(await root().list('sys/leases/lookup/database/creds/')).toEqual([]);
    // Nothing failed along the way and nothing is waiting to be retried.
    expect(log.text).not.toContain('lease revocation failed');
  }, 90_000);

  async function listedLeasesOf(length: Length): Promise<number> {
    const roles = ROLES.filter((r) => r.length === length);
    return (await Promise.all(roles.map(listedLeases))).flat().length;
  }
});
