/**
 * The database engine against a real PostgreSQL, through the real server over HTTP, driven by
 * `VaultClient` and (in one test) the unmodified `node-vault`. After each step the database
 * itself is asked what the credential allows: the user logs in and reads the table, `VALID
 * UNTIL` follows the lease, and once revoked the user is gone and cannot log in.
 *
 * The local PostgreSQL trusts loopback connections, so a login does not check passwords; password
 * changes are proven against the SCRAM verifier PostgreSQL stores (what password auth checks).
 */
import { ManualClock } from '@strongroom/protocol';
import type { VaultClient } from '@strongroom/client';
import vault from 'node-vault';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { call } from './support/http.ts';
import { apiError, childToken, issueUser, startDatabaseServer } from './support/database-engine.ts';
import { CI, pgSettings, probePostgres, runId, scramMatches } from './support/databases.ts';
import { LogSink } from './support/log-sink.ts';

const settings = pgSettings();
const probe = await probePostgres(settings);
const run = runId();
const table = `sr_items_${run}`;
const CONNECTION_URL = `postgresql://{{username}}:{{password}}@${settings.host}:${settings.port}/${settings.database}?sslmode=disable`;
/** The engine's connection; the local PostgreSQL trusts loopback, so no password is needed. */
const CONNECTION = {
  plugin_name: 'postgresql-database-plugin',
  connection_url: CONNECTION_URL,
  username: settings.user,
};
const CREATION = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  `GRANT SELECT ON ${table} TO "{{name}}";`,
];

function adminClient(): pg.Client {
  return new pg.Client({ ...settings });
}

/** Logs in as `user` and reads the table; resolves the row count or rejects. */
async function selectAs(user: string, password: string): Promise<number> {
  const client = new pg.Client({ ...settings, user, password, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const result = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
    return (result.rows[0] as { n: number }).n;
  } finally {
    await client.end();
  }
}

async function roleRow(
  admin: pg.Client,
  user: string,
): Promise<{ valid_until: Date | null; password: string | null } | undefined> {
  const result = await admin.query(
    'SELECT rolvaliduntil AS valid_until, rolpassword AS password FROM pg_authid WHERE rolname = $1',
    [user],
  );
  return result.rows[0] as { valid_until: Date | null; password: string | null } | undefined;
}

/** Waits (real time) until `check` holds: background revocations run on real I/O. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}

describe.skipIf(!probe.ok && !CI)('database engine on PostgreSQL', () => {
  const sink = new LogSink();
  let server: RunningServer;
  let client: VaultClient;
  let admin: pg.Client;
  const issued: string[] = [];
  const staticUser = `sr_static_${run}`;
  const rootUser = `sr_admin_${run}`;

  beforeAll(async () => {
    admin = adminClient();
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (id int)`);
    await admin.query(`INSERT INTO ${table} VALUES (1), (2), (3)`);
    ({ server, client } = await startDatabaseServer(sink));
    const lookup = await call(server.address, 'PUT', 'sys/leases/lookup', {
      token: server.rootToken ?? '',
      body: { lease_id: 'database/creds/none/x' },
    });
    // sys/leases/* must be routed: the renew and revoke steps below go through it.
    expect(lookup.status).not.toBe(404);
    await client.write('database/config/pg', {
      ...CONNECTION,
      password: 'admin-password-unused-by-trust',
      allowed_roles: ['ro', 'short', 'static-*'],
    });
  });

  afterAll(async () => {
    await server.close();
    // The table first: grants made through the rotated admin's grant option go with it.
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    for (const user of [...issued, staticUser, rootUser]) {
      await admin.query(`DROP OWNED BY "${user}"`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS "${user}"`).catch((e: unknown) => {
        process.stderr.write(`cleanup of ${user} failed: ${String(e)}\n`);
      });
    }
    await admin.end();
  });

  it('refuses a config it cannot connect with, and the error never quotes the password', async () => {
    const secret = `Wrong-Pass-${run}`;
    const badUser = await apiError(
      client.write('database/config/bad', {
        ...CONNECTION,
        username: `sr_nobody_${run}`,
        password: secret,
      }),
    );
    expect(badUser.status).toBe(400);
    expect(badUser.message).toMatch(/error creating database object/);
    expect(JSON.stringify(badUser.errors)).not.toContain(secret);

    const literal = `Literal-Pass-${run}`;
    const badHost = await apiError(
      client.write('database/config/bad', {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `postgresql://postgres:${literal}@127.0.0.1:1/test`,
      }),
    );
    expect(badHost.status).toBe(400);
    expect(JSON.stringify(badHost.errors)).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(badHost.errors)).not.toContain(literal);
    expect(sink.text).not.toContain(secret);
    expect(sink.text).not.toContain(literal);
    expect(await client.list('database/config')).toEqual(['pg']);
  });

  it('reads a config without its password; lists, reads and writes roles', async () => {
    const config = await client.read('database/config/pg');
    expect(config?.data).toMatchObject({
      plugin_name: 'postgresql-database-plugin',
      allowed_roles: ['ro', 'short', 'static-*'],
      connection_details: { connection_url: CONNECTION_URL, username: settings.user },
    });
    expect(JSON.stringify(config)).not.toContain('admin-password-unused-by-trust');

    await client.write('database/roles/ro', {
      db_name: 'pg',
      creation_statements: CREATION,
      default_ttl: '1h',
      max_ttl: '2h',
    });
    const role = await client.read('database/roles/ro');
    expect(role?.data).toMatchObject({
      db_name: 'pg',
      creation_statements: CREATION,
      default_ttl: 3600,
      max_ttl: 7200,
      revocation_statements: [],
    });
    await client.write('database/roles/other', { db_name: 'pg', creation_statements: CREATION });
    expect(await client.list('database/roles')).toEqual(['other', 'ro']);
    const notAllowed = await apiError(client.read('database/creds/other'));
    expect(notAllowed.status).toBe(400);
    expect(notAllowed.message).toMatch(/not an allowed role/);
    await client.delete('database/roles/other');
  });

  it('issues a user that logs in and reads, renews it, and revokes it', async () => {
    const { creds, username, password } = await issueUser(client, 'ro', issued);
    expect(username).toMatch(/^v-root-ro-[A-Za-z0-9]{20}-\d{10}$/);
    expect(password).toMatch(/^[A-Za-z0-9-]{20}$/);
    expect(creds?.lease_id).toMatch(/^database\/creds\/ro\/[A-Za-z0-9]+$/);
    expect(creds?.lease_duration).toBe(3600);
    expect(creds?.renewable).toBe(true);

    // What the database allows: the user logs in and reads the granted table.
    expect(await selectAs(username, password)).toBe(3);
    const row = await roleRow(admin, username);
    expect(scramMatches(row?.password ?? null, password)).toBe(true);
    const validUntil = row?.valid_until?.getTime() ?? 0;
    expect(Math.abs(validUntil - (Date.now() + 3600_000))).toBeLessThan(10_000);

    const lookup = await client.write('sys/leases/lookup', { lease_id: creds?.lease_id });
    expect(lookup?.data).toMatchObject({ id: creds?.lease_id, renewable: true });
    const renewed = await client.write('sys/leases/renew', {
      lease_id: creds?.lease_id,
      increment: '90m',
    });
    expect(renewed).toMatchObject({ lease_id: creds?.lease_id, renewable: true });
    expect(renewed?.lease_duration).toBe(5400);
    const moved = (await roleRow(admin, username))?.valid_until?.getTime() ?? 0;
    expect(moved - validUntil).toBeGreaterThan(1700_000);

    await client.write('sys/leases/revoke', { lease_id: creds?.lease_id });

    // The user is gone: the database refuses the login.
    expect(await roleRow(admin, username)).toBeUndefined();
    await expect(selectAs(username, password)).rejects.toThrow(/does not exist/);
    // Revoking again succeeds: it is already gone.
    await client.write('sys/leases/revoke', { lease_id: creds?.lease_id });
  });

  it('revokes with the default statements even when the user owns objects and has a session', async () => {
    // Issued under a child token, so revoking the token revokes the lease when sys/leases is
    // not routed yet.
    const token = await childToken(client);
    const { creds, username, password } = await issueUser(client.withToken(token), 'ro', issued);
    await admin.query(`GRANT CREATE ON SCHEMA public TO "${username}"`);
    const session = new pg.Client({ ...settings, user: username, password });
    session.on('error', () => undefined);
    await session.connect();
    await session.query(`CREATE TABLE sr_owned_${run} (x int)`);
    await client.write(`sys/leases/revoke/${creds?.lease_id ?? ''}`, {});

    expect(await roleRow(admin, username)).toBeUndefined();
    // Its session was ended, and what it owned now belongs to the admin.
    await expect(session.query('SELECT 1')).rejects.toThrow();
    const owned = await admin.query(`SELECT to_regclass('sr_owned_${run}') AS t`);
    expect((owned.rows[0] as { t: string | null }).t).toBe(`sr_owned_${run}`);
    await session.end().catch(() => undefined);
    await admin.query(`DROP TABLE IF EXISTS sr_owned_${run}`);
  });

  it("generates passwords from the connection's password policy", async () => {
    await client.write('sys/policies/password/digits', {
      policy: 'length = 24\nrule "charset" {\n  charset = "0123456789"\n  min-chars = 24\n}\n',
    });
    await client.write('database/config/pgpolicy', {
      ...CONNECTION,
      allowed_roles: 'policy-ro',
      password_policy: 'digits',
    });
    await client.write('database/roles/policy-ro', {
      db_name: 'pgpolicy',
      creation_statements: CREATION,
      default_ttl: '10m',
    });
    const { username, password } = await issueUser(client, 'policy-ro', issued);
    expect(password).toMatch(/^\d{24}$/);
    expect(await selectAs(username, password)).toBe(3);
    // A connection naming a policy that does not exist fails rather than falling back.
    await client.write('database/config/pgpolicy', { password_policy: 'missing' });
    await expect(client.read('database/creds/policy-ro')).rejects.toThrow();
    await client.delete('database/config/pgpolicy');
  });

  it('revokes the leases of a token when the token is revoked', async () => {
    const token = await childToken(client);
    const { username: user2 } = await issueUser(client.withToken(token), 'ro', issued);
    expect(await roleRow(admin, user2)).toBeDefined();
    await client.write('auth/token/revoke', { token });
    expect(await roleRow(admin, user2)).toBeUndefined();
    await expect(selectAs(user2, 'x')).rejects.toThrow(/does not exist/);
  });

  it("rotates a static role: the new password is the database's, the old one is not", async () => {
    await admin.query(`CREATE ROLE "${staticUser}" WITH LOGIN PASSWORD 'Initial-Pass-1'`);
    await client.write('database/static-roles/static-app', {
      db_name: 'pg',
      username: staticUser,
      rotation_period: '1h',
    });
    const first = await client.read('database/static-creds/static-app');
    const firstPassword = (first?.data as { password: string }).password;
    expect(first?.data).toMatchObject({ username: staticUser, rotation_period: 3600 });
    expect((first?.data as { ttl: number }).ttl).toBeGreaterThan(3590);
    let row = await roleRow(admin, staticUser);
    expect(scramMatches(row?.password ?? null, 'Initial-Pass-1')).toBe(false);
    expect(scramMatches(row?.password ?? null, firstPassword)).toBe(true);

    await client.write('database/rotate-role/static-app', {});
    const second = await client.read('database/static-creds/static-app');
    const secondPassword = (second?.data as { password: string }).password;
    expect(secondPassword).not.toBe(firstPassword);
    row = await roleRow(admin, staticUser);
    expect(scramMatches(row?.password ?? null, firstPassword)).toBe(false);
    expect(scramMatches(row?.password ?? null, secondPassword)).toBe(true);
    expect(await selectAs(staticUser, secondPassword).catch(() => -1)).not.toBe(0);

    const view = await client.read('database/static-roles/static-app');
    expect(view?.data).toMatchObject({
      db_name: 'pg',
      username: staticUser,
      rotation_period: 3600,
    });
    expect(JSON.stringify(view)).not.toContain(secondPassword);
    await client.delete('database/static-roles/static-app');
  });

  it('rotate-root gives the admin a password nobody has seen', async () => {
    await admin.query(`CREATE ROLE "${rootUser}" WITH LOGIN CREATEROLE PASSWORD 'Root-Pass-1'`);
    await admin.query(`GRANT SELECT ON ${table} TO "${rootUser}" WITH GRANT OPTION`);
    await client.write('database/config/pg-admin', {
      ...CONNECTION,
      username: rootUser,
      password: 'Root-Pass-1',
      allowed_roles: '*',
    });
    await client.write('database/rotate-root/pg-admin', {});
    const row = await roleRow(admin, rootUser);
    expect(scramMatches(row?.password ?? null, 'Root-Pass-1')).toBe(false);
    expect(row?.password).toMatch(/^SCRAM-SHA-256\$/);
    const config = await client.read('database/config/pg-admin');
    expect(JSON.stringify(config)).not.toMatch(/Root-Pass-1/);
    expect(sink.text).not.toMatch(/Root-Pass-1/);
    // The engine still works with the rotated credentials.
    await client.write('database/roles/short', {
      db_name: 'pg-admin',
      creation_statements: CREATION,
      default_ttl: 60,
    });
    const { creds } = await issueUser(client, 'short', issued);
    expect(creds?.lease_duration).toBe(60);
    await client.write('database/reset/pg-admin', {});
    await client.delete('database/config/pg-admin');
  });

  it('works with the unmodified node-vault client', async () => {
    const nv = vault({ apiVersion: 'v1', endpoint: server.address, token: server.rootToken ?? '' });
    await nv.write('database/roles/short', {
      db_name: 'pg',
      creation_statements: CREATION,
      default_ttl: '10m',
      max_ttl: '1h',
    });
    const creds = await nv.read('database/creds/short');
    const { username, password } = creds.data as { username: string; password: string };
    issued.push(username);
    expect(creds.lease_duration).toBe(600);
    expect(await selectAs(username, password)).toBe(3);
    const renewed = await nv.renew({ lease_id: creds.lease_id, increment: 1800 });
    expect(renewed).toMatchObject({ lease_id: creds.lease_id, lease_duration: 1800 });
    await nv.revoke({ lease_id: creds.lease_id });
    expect(await roleRow(admin, username)).toBeUndefined();
  });

  it('revokes a user automatically when its lease expires (manual clock)', async () => {
    const clock = new ManualClock(Date.now());
    const clockSink = new LogSink();
    const { server: timed, client: timedClient } = await startDatabaseServer(clockSink, clock);
    try {
      await timedClient.write('database/config/pg', { ...CONNECTION, allowed_roles: '*' });
      await timedClient.write('database/roles/brief', {
        db_name: 'pg',
        creation_statements: CREATION,
        default_ttl: '5m',
      });
      const { username, password } = await issueUser(timedClient, 'brief', issued);
      expect(await selectAs(username, password)).toBe(3);
      await clock.advance(4 * 60_000);
      expect(await roleRow(admin, username)).toBeDefined();
      await clock.advance(61_000);
      await eventually(async () => (await roleRow(admin, username)) === undefined);
      await expect(selectAs(username, password)).rejects.toThrow(/does not exist/);
    } finally {
      await timed.close();
    }
  });
});
