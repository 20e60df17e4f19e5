/**
 * Engine tests on memory storage: the database backend driven through its own `handleRequest`
 * (no core, no HTTP), against the real PostgreSQL where the behaviour is the database's (renew
 * moves `VALID UNTIL`, revoke drops the user and tolerates one already gone).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestSecret } from '../../logical/request.ts';
import { CI, pgSettings, probePostgres, runId } from '../../../test/support/databases.ts';
import { databaseHarness } from './test-support.ts';
import type { DatabaseHarness } from './test-support.ts';

const settings = pgSettings();
const probe = await probePostgres(settings);
const run = runId();

describe.skipIf(!probe.ok && !CI)('database backend (memory storage, real PostgreSQL)', () => {
  let harness: DatabaseHarness;
  let admin: pg.Client;

  const validUntil = async (user: string): Promise<number | undefined> => {
    const result = await admin.query('SELECT rolvaliduntil AS v FROM pg_roles WHERE rolname = $1', [
      user,
    ]);
    const row = result.rows[0] as { v: Date | null } | undefined;
    return row === undefined ? undefined : (row.v?.getTime() ?? 0);
  };

  beforeAll(async () => {
    admin = new pg.Client({ ...settings });
    await admin.connect();
    harness = await databaseHarness();
    await harness.request('update', 'config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}@${settings.host}:${settings.port}/${settings.database}`,
      username: settings.user,
      allowed_roles: '*',
    });
    await harness.request('update', `roles/r${run}`, {
      db_name: 'pg',
      creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
      default_ttl: '1h',
      max_ttl: '3h',
    });
  });

  afterAll(async () => {
    await harness.backend.cleanup?.();
    await admin.end();
  });

  it('issues with the sanitised display name, renews (moving VALID UNTIL within max), revokes twice', async () => {
    const { clock, captured, request } = harness;
    const issued = await request('read', `creds/r${run}`);
    const username = (issued?.data as { username: string }).username;
    // "token-app.example" -> "token-ap" (8 characters, "." replaced).
    expect(username).toMatch(
      new RegExp(`^v-token-ap-r${run.slice(0, 7)}-[A-Za-z0-9]{20}-\\d{10}$`),
    );
    expect(issued?.secret).toMatchObject({ type: 'creds', ttlMs: 3_600_000, maxTtlMs: 10_800_000 });
    const issueTime = clock.now();
    const first = (await validUntil(username)) ?? 0;
    expect(Math.abs(first - (issueTime + 3_600_000))).toBeLessThan(1000);

    const secret: RequestSecret = {
      leaseId: `database/creds/r${run}/x`,
      type: 'creds',
      internal: issued?.secret?.internal ?? {},
      issueTime,
      expireTime: issueTime + 3_600_000,
      ttlMs: 3_600_000,
      incrementMs: 7_200_000,
    };
    await clock.advance(1_800_000);
    const renewed = await request('renew', `creds/r${run}`, {}, secret);
    expect(renewed?.secret?.ttlMs).toBe(7_200_000);
    expect(Math.abs(((await validUntil(username)) ?? 0) - (clock.now() + 7_200_000))).toBeLessThan(
      1000,
    );
    // Near the max, the TTL (and VALID UNTIL) stop at issue + max_ttl.
    await clock.advance(7_000_000);
    const capped = await request('renew', `creds/r${run}`, {}, secret);
    expect(capped?.secret?.ttlMs).toBe(issueTime + 10_800_000 - clock.now());
    expect(Math.abs(((await validUntil(username)) ?? 0) - (issueTime + 10_800_000))).toBeLessThan(
      1000,
    );

    await request('revoke', `creds/r${run}`, {}, secret);
    expect(await validUntil(username)).toBeUndefined();
    // Already gone: still a success.
    await request('revoke', `creds/r${run}`, {}, secret);
    expect(captured.text()).not.toMatch((issued?.data as { password: string }).password);
  });
});
