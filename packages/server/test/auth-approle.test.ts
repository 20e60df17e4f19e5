/**
 * AppRole end to end: a real server over HTTP, driven by VaultClient. Logs in, proves the
 * token's policies, metadata and TTL through lookup-self and capabilities-self, renews it, and
 * proves each refusal.
 */
import { ManualClock } from '@strongroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal, startAuthServer } from './support/auth-server.ts';
import type { AuthTestServer } from './support/auth-server.ts';

const clock = new ManualClock(Date.now());
let t: AuthTestServer;
let roleId = '';
const presented: string[] = [];

beforeAll(async () => {
  t = await startAuthServer({ clock });
  await t.root.sys.enableAuth('approle', { type: 'approle' });
  await t.root.sys.writePolicy(
    'app-read',
    'path "secret/data/app/*" { capabilities = ["read", "list"] }',
  );
  await t.root.write('auth/approle/role/web', {
    token_policies: 'app-read',
    token_ttl: '1h',
    token_max_ttl: '2h',
  });
  const read = await t.root.read('auth/approle/role/web/role-id');
  roleId = read?.data?.['role_id'] as string;
});

afterAll(async () => {
  await t.close();
});

async function newSecretId(data: Record<string, unknown> = {}): Promise<string> {
  const response = await t.root.write('auth/approle/role/web/secret-id', data);
  const secretId = response?.data?.['secret_id'] as string;
  presented.push(secretId);
  return secretId;
}

function login(secretId: string) {
  return t.anonymous.write('auth/approle/login', { role_id: roleId, secret_id: secretId });
}

describe('approle over HTTP', () => {
  it('logs in and the token carries the role policies, metadata and TTL', async () => {
    const secretId = await newSecretId({ metadata: '{"env":"prod"}' });
    const response = await login(secretId);
    const auth = response?.auth;
    expect(auth).toMatchObject({
      policies: ['app-read', 'default'],
      token_policies: ['app-read', 'default'],
      metadata: { env: 'prod', role_name: 'web' },
      lease_duration: 3600,
      renewable: true,
      token_type: 'service',
      orphan: true,
    });
    const token = auth?.client_token ?? '';
    const client = t.anonymous.withToken(token);

    const self = await client.token.lookupSelf();
    expect(self.data).toMatchObject({
      policies: ['app-read', 'default'],
      meta: { env: 'prod', role_name: 'web' },
      ttl: 3600,
      display_name: 'approle',
      path: 'auth/approle/login',
    });

    const caps = await client.write('sys/capabilities-self', {
      paths: ['secret/data/app/db', 'secret/data/other', 'auth/approle/role/web'],
    });
    expect(caps?.data).toMatchObject({
      'secret/data/app/db': ['list', 'read'],
      'secret/data/other': ['deny'],
      'auth/approle/role/web': ['deny'],
    });
    // What the policy does not grant is refused.
    expect((await refusal(client.read('auth/approle/role/web'))).status).toBe(403);
    expect((await refusal(client.sys.writePolicy('x', 'path "*" {}'))).status).toBe(403);

    await clock.advance(30 * 60_000);
    const renewed = await client.token.renewSelf();
    expect(renewed.auth?.lease_duration).toBe(3600);
    expect((await client.token.lookupSelf()).data?.['ttl']).toBe(3600);
    // Renewal never passes token_max_ttl (2h from issue).
    await clock.advance(50 * 60_000);
    const capped = await client.token.renewSelf();
    expect(capped.auth?.lease_duration).toBe(40 * 60);
  });

  it('refuses a wrong secret ID', async () => {
    const refused = await refusal(login('not-the-secret'));
    expect(refused).toEqual({ status: 400, errors: ['invalid role or secret ID'] });
  });

  it('refuses a secret ID whose uses are spent', async () => {
    const secretId = await newSecretId({ num_uses: 1 });
    await login(secretId);
    expect(await refusal(login(secretId))).toEqual({
      status: 400,
      errors: ['secret ID has no uses left'],
    });
  });

  it('refuses an expired secret ID', async () => {
    const secretId = await newSecretId({ ttl: '10m' });
    await clock.advance(11 * 60_000);
    expect(await refusal(login(secretId))).toEqual({
      status: 400,
      errors: ['secret ID has expired'],
    });
  });

  it('refuses a caller outside the CIDR bound', async () => {
    const secretId = await newSecretId({ cidr_list: '10.0.0.0/8' });
    expect(await refusal(login(secretId))).toEqual({
      status: 400,
      errors: ['source address is not allowed by the CIDR restrictions on the secret ID'],
    });
  });

  it('spends each use once under 20 concurrent logins', async () => {
    const secretId = await newSecretId({ num_uses: 5 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => login(secretId)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    // The failures locked the role ID; let the lock run out for the next test.
    await clock.advance(16 * 60_000);
  });

  it('locks the role ID after 5 failures, whether or not the secret is right', async () => {
    const secretId = await newSecretId();
    for (let i = 0; i < 5; i++) {
      expect((await refusal(login(`wrong-${i}`))).status).toBe(400);
    }
    const right = await refusal(login(secretId));
    const wrong = await refusal(login('wrong-again'));
    expect(right).toEqual({ status: 403, errors: ['permission denied'] });
    expect(wrong).toEqual(right);
    await clock.advance(15 * 60_000);
    expect((await login(secretId))?.auth?.client_token).toMatch(/^hvs\./);
  });

  it('never writes a secret ID to the server log', () => {
    for (const secret of presented) expect(t.log.text).not.toContain(secret);
    expect(t.log.text).not.toContain('not-the-secret');
  });
});
