/**
 * The database engine against a real MySQL/MariaDB, through the real server over HTTP with
 * `VaultClient`. MariaDB checks passwords, so every step is proven by logging in: the issued user
 * connects and reads the granted table; after revocation it cannot; after a static rotation the
 * old password fails and the new one works; after rotate-root the old admin password fails.
 */
import type { VaultClient } from '@strongroom/client';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { apiError, childToken, issueUser, startDatabaseServer } from './support/database-engine.ts';
import { CI, mysqlSettings, probeMysql, runId } from './support/databases.ts';
import { LogSink } from './support/log-sink.ts';

const settings = mysqlSettings();
const probe = await probeMysql(settings);
const run = runId();
const table = `sr_items_${run}`;
const DSN = `{{username}}:{{password}}@tcp(${settings.host}:${settings.port})/${settings.database}`;
/** The engine's connection as the MySQL admin (MariaDB checks the password). */
const CONNECTION = {
  plugin_name: 'mysql-database-plugin',
  connection_url: DSN,
  username: settings.user,
  password: settings.password,
};
const CREATION = [
  `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';`,
  `GRANT SELECT ON ${settings.database}.${table} TO '{{name}}'@'%';`,
];

async function selectAs(user: string, password: string): Promise<number> {
  const conn = await mysql.createConnection({ ...settings, user, password, connectTimeout: 3000 });
  try {
    const [rows] = await conn.query(`SELECT count(*) AS n FROM ${table}`);
    return Number((rows as { n: number }[])[0]?.n);
  } finally {
    await conn.end();
  }
}

describe.skipIf(!probe.ok && !CI)('database engine on MySQL/MariaDB', () => {
  const sink = new LogSink();
  let server: RunningServer;
  let client: VaultClient;
  let admin: mysql.Connection;
  const staticUser = `sr_st_${run}`;
  const rootUser = `sr_adm_${run}`;
  const issued: string[] = [];

  beforeAll(async () => {
    admin = await mysql.createConnection({ ...settings });
    await admin.query(`CREATE TABLE ${table} (id int)`);
    await admin.query(`INSERT INTO ${table} VALUES (1), (2)`);
    ({ server, client } = await startDatabaseServer(sink));
    await client.write('database/config/my', { ...CONNECTION, allowed_roles: '*' });
  });

  afterAll(async () => {
    await server.close();
    for (const user of [...issued, staticUser, rootUser]) {
      await admin.query('DROP USER IF EXISTS ?@?', [user, '%']).catch(() => undefined);
    }
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  });

  it('refuses a wrong password or a bad host with a sanitized 400', async () => {
    const secret = `Wrong-Pass-${run}`;
    const wrong = await apiError(
      client.write('database/config/bad', { ...CONNECTION, password: secret }),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.message).toMatch(/Access denied/);
    expect(JSON.stringify(wrong.errors)).not.toContain(secret);
    const literal = `Literal-Pass-${run}`;
    const badHost = await apiError(
      client.write('database/config/bad', {
        plugin_name: 'mysql-database-plugin',
        connection_url: `root:${literal}@tcp(127.0.0.1:1)/test`,
      }),
    );
    expect(badHost.status).toBe(400);
    expect(JSON.stringify(badHost.errors)).not.toContain(literal);
    expect(sink.text).not.toContain(secret);
    expect(sink.text).not.toContain(literal);
  });

  it('issues a user that logs in and reads; revoking it locks it out', async () => {
    await client.write('database/roles/ro', {
      db_name: 'my',
      creation_statements: CREATION,
      default_ttl: '1h',
    });
    const token = await childToken(client);
    const { username, password } = await issueUser(client.withToken(token), 'ro', issued);
    // v-<display 10>-<role 10>-<random 20>-<time>, cut at 32 (as Vault, even mid-field).
    expect(username).toMatch(/^v-token-ro-[A-Za-z0-9]{20}-$/);
    expect(await selectAs(username, password)).toBe(2);
    // Revoking the token revokes its leases (sys/leases/revoke does the same once routed).
    await client.write('auth/token/revoke', { token });
    await expect(selectAs(username, password)).rejects.toThrow(/Access denied/);
  });

  it('legacy plugin names make 16-character usernames', async () => {
    await client.write('database/config/legacy', {
      ...CONNECTION,
      plugin_name: 'mysql-rds-database-plugin',
      allowed_roles: '*',
    });
    await client.write('database/roles/lg', { db_name: 'legacy', creation_statements: CREATION });
    const { username, password } = await issueUser(client, 'lg', issued);
    expect(username).toMatch(/^v-lg-[A-Za-z0-9]{11}$/);
    expect(await selectAs(username, password)).toBe(2);
  });

  it('rotates a static role: the old password fails, the new one works', async () => {
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [staticUser, '%', 'Initial-Pass-1']);
    await admin.query(`GRANT SELECT ON ${settings.database}.${table} TO ?@?`, [staticUser, '%']);
    await client.write('database/static-roles/app', {
      db_name: 'my',
      username: staticUser,
      rotation_period: 3600,
    });
    const first = (await client.read('database/static-creds/app'))?.data as { password: string };
    await expect(selectAs(staticUser, 'Initial-Pass-1')).rejects.toThrow(/Access denied/);
    expect(await selectAs(staticUser, first.password)).toBe(2);
    await client.write('database/rotate-role/app', {});
    const second = (await client.read('database/static-creds/app'))?.data as { password: string };
    await expect(selectAs(staticUser, first.password)).rejects.toThrow(/Access denied/);
    expect(await selectAs(staticUser, second.password)).toBe(2);
  });

  it('rotate-root locks out the old admin password and keeps the engine working', async () => {
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [rootUser, '%', 'Root-Pass-1']);
    await admin.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [rootUser, '%']);
    await client.write('database/config/adm', {
      ...CONNECTION,
      username: rootUser,
      password: 'Root-Pass-1',
      allowed_roles: '*',
    });
    await client.write('database/rotate-root/adm', {});
    await expect(
      mysql.createConnection({ ...settings, user: rootUser, password: 'Root-Pass-1' }),
    ).rejects.toThrow(/Access denied/);
    await client.write('database/roles/via-adm', { db_name: 'adm', creation_statements: CREATION });
    const { username, password } = await issueUser(client, 'via-adm', issued);
    expect(await selectAs(username, password)).toBe(2);
    expect(JSON.stringify(await client.read('database/config/adm'))).not.toContain('Root-Pass-1');
  });
});
