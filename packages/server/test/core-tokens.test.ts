/**
 * The token store over HTTP: create (every option), orphans, lookups, renewals, revocations and
 * their effect on children, use limits, both token headers, and TTL expiry on a manual clock.
 */
import { Agent, request as httpRequest } from 'node:http';
import { ManualClock } from '@strongroom/protocol';
import { VaultApiError } from '@strongroom/client';
import type { VaultClient } from '@strongroom/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startDev } from './support/start.ts';
import type { TestServer } from './support/start.ts';

const AUTH_FIELDS = [
  'accessor',
  'client_token',
  'entity_id',
  'lease_duration',
  'metadata',
  'orphan',
  'policies',
  'renewable',
  'token_policies',
  'token_type',
];

describe('tokens over HTTP', () => {
  let t: TestServer;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock();
    t = await startDev({ clock });
    await t.client.sys.writePolicy('app', 'path "secret/*" { capabilities = ["read"] }');
    await t.client.sys.writePolicy('ops', 'path "sys/mounts" { capabilities = ["read"] }');
    await t.client.sys.writePolicy(
      'creator',
      'path "auth/token/create" { capabilities = ["update", "create"] }',
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const lookupStatus = async (token: string): Promise<number> =>
    (await call(t.address, 'GET', 'auth/token/lookup-self', { token })).status;

  it("create answers the auth block in Vault's shape, and lookup reflects every option", async () => {
    const reply = await call(t.address, 'POST', 'auth/token/create', {
      token: t.rootToken,
      body: {
        policies: ['app', 'ops'],
        ttl: '1h',
        explicit_max_ttl: '2h',
        num_uses: 5,
        display_name: 'deploy-bot',
        meta: { team: 'payments', env: 'prod' },
      },
    });
    expect(reply.status).toBe(200);
    const body = reply.body;
    expect(body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, data: null });
    expect(Object.keys(body.auth)).toEqual(expect.arrayContaining(AUTH_FIELDS));
    expect(body.auth).toMatchObject({
      policies: ['app', 'default', 'ops'],
      token_policies: ['app', 'default', 'ops'],
      metadata: { team: 'payments', env: 'prod' },
      lease_duration: 3600,
      renewable: true,
      entity_id: '',
      token_type: 'service',
      orphan: false,
    });
    const token = body.auth.client_token as string;
    expect(token).toMatch(/^hvs\.[A-Za-z0-9]{24,}$/);
    expect(body.auth.accessor).toEqual(expect.any(String));
    expect(body.auth.accessor).not.toBe(token);

    const lookup = await call(t.address, 'POST', 'auth/token/lookup', {
      token: t.rootToken,
      body: { token },
    });
    expect(lookup.status).toBe(200);
    expect(lookup.body.data).toMatchObject({
      id: token,
      accessor: body.auth.accessor,
      policies: ['app', 'default', 'ops'],
      display_name: 'token-deploy-bot',
      meta: { team: 'payments', env: 'prod' },
      num_uses: 5,
      orphan: false,
      path: 'auth/token/create',
      renewable: true,
      ttl: 3600,
      creation_ttl: 3600,
      explicit_max_ttl: 7200,
      entity_id: '',
      type: 'service',
      expire_time: new Date(clock.now() + 3_600_000).toISOString(),
      issue_time: new Date(clock.now()).toISOString(),
      creation_time: Math.floor(clock.now() / 1000),
    });
  });

  it('root may create orphans (no_parent, create-orphan) and periodic tokens', async () => {
    const orphan = await t.client.token.create({ policies: ['app'] });
    expect(orphan.auth!.orphan).toBe(false);
    const noParent = await t.client.write('auth/token/create', { no_parent: true, ttl: 600 });
    expect(noParent?.auth).toMatchObject({ orphan: true, lease_duration: 600 });
    const createOrphan = await t.client.token.create({ orphan: true, ttl: '10m' });
    expect(createOrphan.auth).toMatchObject({ orphan: true, lease_duration: 600 });
    const lookup = await t.client.token.lookup(createOrphan.auth!.client_token);
    expect(lookup.data).toMatchObject({ orphan: true, path: 'auth/token/create-orphan' });

    const periodic = await t.client.token.create({ period: '30m', policies: ['app'] });
    expect(periodic.auth!.lease_duration).toBe(1800);
    const periodicLookup = await t.client.token.lookup(periodic.auth!.client_token);
    expect(periodicLookup.data).toMatchObject({ period: 1800, ttl: 1800 });
    await clock.advance(20 * 60_000);
    // Renewing a periodic token resets it to its period, whatever increment is asked.
    const renewed = await t.client.token.renew(periodic.auth!.client_token, '5m');
    expect(renewed.auth!.lease_duration).toBe(1800);
  });

  it('a non-root token cannot create orphans or periodic tokens, nor widen its policies', async () => {
    const creator = t.client.withToken(
      (await t.client.token.create({ policies: ['creator', 'app'] })).auth!.client_token,
    );
    const child = await creator.token.create({ policies: ['app'] });
    expect(child.auth).toMatchObject({ policies: ['app', 'default'], orphan: false });
    for (const body of [{ no_parent: true }, { period: '1h' }, { policies: ['ops'] }]) {
      const reply = await call(t.address, 'POST', 'auth/token/create', {
        token: (await creator.token.lookupSelf()).data!.id as string,
        body,
      });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.errors).toHaveLength(1);
    }
    const orphanDenied = await call(t.address, 'POST', 'auth/token/create-orphan', {
      token: (await creator.token.lookupSelf()).data!.id as string,
      body: {},
    });
    expect(orphanDenied.status).toBe(403);
    expect(orphanDenied.body).toEqual({ errors: ['permission denied'] });
  });

  it('lookup-self, lookup-accessor (never the token), accessors list', async () => {
    const created = await t.client.token.create({ policies: ['app'], displayName: 'svc' });
    const token = created.auth!.client_token;
    const accessor = created.auth!.accessor;
    const self = t.client.withToken(token);

    const lookupSelf = await call(t.address, 'GET', 'auth/token/lookup-self', { token });
    expect(lookupSelf.status).toBe(200);
    expect(lookupSelf.body.data).toMatchObject({
      id: token,
      accessor,
      display_name: 'token-svc',
      policies: ['app', 'default'],
    });
    expect((await self.token.lookupSelf()).data!.id).toBe(token);

    const byAccessor = await call(t.address, 'POST', 'auth/token/lookup-accessor', {
      token: t.rootToken,
      body: { accessor },
    });
    expect(byAccessor.status).toBe(200);
    expect(byAccessor.body.data).toMatchObject({ accessor, display_name: 'token-svc' });
    // Vault answers an empty id: an accessor holder never learns the token.
    expect(byAccessor.body.data.id).toBe('');
    expect(byAccessor.text).not.toContain(token);

    const accessors = await t.client.list('auth/token/accessors');
    expect(accessors).toContain(accessor);

    const unknown = await call(t.address, 'POST', 'auth/token/lookup-accessor', {
      token: t.rootToken,
      body: { accessor: 'no-such-accessor' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toHaveLength(1);
  });

  it('renew and renew-self extend the TTL, never past explicit_max_ttl', async () => {
    const created = await t.client.token.create({ ttl: '10m', explicitMaxTtl: '30m' });
    const token = created.auth!.client_token;
    await clock.advance(5 * 60_000);
    expect((await t.client.token.lookup(token)).data!.ttl).toBe(300);

    const renewed = await call(t.address, 'POST', 'auth/token/renew', {
      token: t.rootToken,
      body: { token, increment: '15m' },
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.auth).toMatchObject({
      client_token: token,
      accessor: created.auth!.accessor,
      lease_duration: 900,
      renewable: true,
    });
    const lookup = await t.client.token.lookup(token);
    expect(lookup.data).toMatchObject({ ttl: 900 });
    expect(lookup.data!.last_renewal_time).toBe(Math.floor(clock.now() / 1000));

    await clock.advance(10 * 60_000);
    const self = await t.client.withToken(token).token.renewSelf(3600);
    // 15 minutes have passed of the 30-minute explicit max: 15 minutes are left.
    expect(self.auth!.lease_duration).toBe(900);
    expect(self.auth!.client_token).toBe(token);

    await clock.advance(15 * 60_000);
    expect(await lookupStatus(token)).toBe(403);
  });

  it('a token expires at its TTL (manual clock), and its children with it', async () => {
    const parent = await t.client.token.create({ ttl: 60 });
    const child = await t.client.withToken(parent.auth!.client_token).token.create({ ttl: 3600 });
    // A child's TTL is never past its parent's? Vault lets it be longer; revocation still
    // cascades when the parent expires.
    await clock.advance(59_000);
    expect(await lookupStatus(parent.auth!.client_token)).toBe(200);
    await clock.advance(2_000);
    const expired = await call(t.address, 'GET', 'auth/token/lookup-self', {
      token: parent.auth!.client_token,
    });
    expect(expired.status).toBe(403);
    expect(expired.body.errors).toContain('permission denied');
    expect(await lookupStatus(child.auth!.client_token)).toBe(403);
  });

  it('revoke revokes the children; revoke-orphan leaves them as orphans', async () => {
    const tree = async (): Promise<{ parent: string; child: string; grandchild: string }> => {
      const policies = ['app', 'creator'];
      const parent = (await t.client.token.create({ policies })).auth!.client_token;
      const child = (await t.client.withToken(parent).token.create({ policies })).auth!
        .client_token;
      const grandchild = (await t.client.withToken(child).token.create({ policies: ['app'] })).auth!
        .client_token;
      return { parent, child, grandchild };
    };

    const a = await tree();
    const revoke = await call(t.address, 'POST', 'auth/token/revoke', {
      token: t.rootToken,
      body: { token: a.parent },
    });
    expect(revoke.status).toBe(204);
    expect(revoke.text).toBe('');
    for (const token of [a.parent, a.child, a.grandchild])
      expect(await lookupStatus(token)).toBe(403);
    // Revoking what is already gone succeeds.
    expect(
      (
        await call(t.address, 'POST', 'auth/token/revoke', {
          token: t.rootToken,
          body: { token: a.parent },
        })
      ).status,
    ).toBe(204);

    const b = await tree();
    const orphaning = await call(t.address, 'POST', 'auth/token/revoke-orphan', {
      token: t.rootToken,
      body: { token: b.parent },
    });
    expect(orphaning.status).toBe(204);
    expect(await lookupStatus(b.parent)).toBe(403);
    expect(await lookupStatus(b.child)).toBe(200);
    expect(await lookupStatus(b.grandchild)).toBe(200);
    expect((await t.client.token.lookup(b.child)).data!.orphan).toBe(true);
    expect((await t.client.token.lookup(b.grandchild)).data!.orphan).toBe(false);

    // revoke-orphan needs sudo: a token that may update the path but lacks sudo is refused.
    await t.client.sys.writePolicy(
      'orphaner',
      'path "auth/token/revoke-orphan" { capabilities = ["update"] }',
    );
    const noSudo = (await t.client.token.create({ policies: ['orphaner'] })).auth!.client_token;
    const denied = await call(t.address, 'POST', 'auth/token/revoke-orphan', {
      token: noSudo,
      body: { token: b.child },
    });
    expect(denied.status).toBe(403);
    expect(await lookupStatus(b.child)).toBe(200);
  });

  it('revoke-accessor and revoke-self', async () => {
    const byAccessor = await t.client.token.create({ policies: ['app', 'creator'] });
    const child = (
      await t.client.withToken(byAccessor.auth!.client_token).token.create({ policies: ['app'] })
    ).auth!.client_token;
    const reply = await call(t.address, 'POST', 'auth/token/revoke-accessor', {
      token: t.rootToken,
      body: { accessor: byAccessor.auth!.accessor },
    });
    expect(reply.status).toBe(204);
    expect(await lookupStatus(byAccessor.auth!.client_token)).toBe(403);
    expect(await lookupStatus(child)).toBe(403);

    const selfish = (await t.client.token.create({ policies: ['app'] })).auth!.client_token;
    const revokeSelf = await call(t.address, 'POST', 'auth/token/revoke-self', { token: selfish });
    expect(revokeSelf.status).toBe(204);
    expect(await lookupStatus(selfish)).toBe(403);
  });

  it('Authorization: Bearer works like X-Vault-Token; a bad token is 403 either way', async () => {
    const token = (await t.client.token.create({ policies: ['app'] })).auth!.client_token;
    const bearer = await call(t.address, 'GET', 'auth/token/lookup-self', {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.body.data.id).toBe(token);
    const headerWins = await call(t.address, 'GET', 'auth/token/lookup-self', {
      token,
      headers: { Authorization: 'Bearer hvs.not-a-token' },
    });
    expect(headerWins.status).toBe(200);

    const bad = await call(t.address, 'GET', 'auth/token/lookup-self', {
      headers: { Authorization: 'Bearer hvs.not-a-token' },
    });
    expect(bad.status).toBe(403);
    expect(bad.body.errors).toContain('permission denied');
    const missing = await call(t.address, 'GET', 'auth/token/lookup-self');
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ errors: ['permission denied'] });
  });

  it('a token with num_uses=2 works twice, then answers 403', async () => {
    const created = await t.client.token.create({ policies: ['app'], numUses: 2 });
    const token = created.auth!.client_token;
    const first = await call(t.address, 'GET', 'auth/token/lookup-self', { token });
    expect(first.status).toBe(200);
    // The lookup itself was a use.
    expect(first.body.data.num_uses).toBe(1);
    // The last use still completes its request, even one about the token itself (as Vault).
    const second = await call(t.address, 'GET', 'auth/token/lookup-self', { token });
    expect(second.status).toBe(200);
    expect(second.body.data.num_uses).toBe(0);
    const third = await call(t.address, 'GET', 'auth/token/lookup-self', { token });
    expect(third.status).toBe(403);
    expect(third.body.errors).toContain('permission denied');
    // Spent means revoked: root cannot find it either.
    const lookup = await call(t.address, 'POST', 'auth/token/lookup', {
      token: t.rootToken,
      body: { token },
    });
    expect(lookup.status).toBe(403);
  });

  it('one keep-alive connection carrying several tokens (a pooling proxy) answers each as itself', async () => {
    const make = async (): Promise<{ token: string; accessor: string }> => {
      const reply = await call(t.address, 'POST', 'auth/token/create', {
        token: t.rootToken,
        body: { policies: ['app'], ttl: '1h' },
      });
      return { token: reply.body.auth.client_token, accessor: reply.body.auth.accessor };
    };
    const a = await make();
    const b = await make();
    // The same length as a's token, one character different.
    const last = a.token.at(-1) === 'x' ? 'y' : 'x';
    const forged = `${a.token.slice(0, -1)}${last}`;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const reused: boolean[] = [];
    const lookupSelf = (token: string): Promise<{ status: number; accessor?: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          `${t.address}/v1/auth/token/lookup-self`,
          { agent, headers: { 'X-Vault-Token': token } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                data?: { accessor: string };
              };
              resolve({
                status: res.statusCode ?? 0,
                ...(body.data === undefined ? {} : { accessor: body.data.accessor }),
              });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
        reused.push(req.reusedSocket);
      });
    try {
      expect(await lookupSelf(a.token)).toEqual({ status: 200, accessor: a.accessor });
      expect(await lookupSelf(a.token)).toEqual({ status: 200, accessor: a.accessor });
      expect(await lookupSelf(b.token)).toEqual({ status: 200, accessor: b.accessor });
      expect(await lookupSelf(a.token)).toEqual({ status: 200, accessor: a.accessor });
      expect((await lookupSelf(forged)).status).toBe(403);
      expect(await lookupSelf(a.token)).toEqual({ status: 200, accessor: a.accessor });
      // Revoked elsewhere: refused on this connection from the next request on.
      const revoke = await call(t.address, 'POST', 'auth/token/revoke', {
        token: t.rootToken,
        body: { token: a.token },
      });
      expect(revoke.status).toBe(204);
      expect((await lookupSelf(a.token)).status).toBe(403);
      expect(await lookupSelf(b.token)).toEqual({ status: 200, accessor: b.accessor });
      // Every request after the first went over the first one's connection.
      expect(reused).toEqual([false, ...Array<boolean>(reused.length - 1).fill(true)]);
    } finally {
      agent.destroy();
    }
  });

  it('invalid creation input is a 400 naming the field', async () => {
    const expectRefused = async (client: VaultClient, body: Record<string, unknown>) => {
      const error: unknown = await client.write('auth/token/create', body).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(body)).toBeInstanceOf(VaultApiError);
      expect((error as VaultApiError).status).toBe(400);
      return (error as VaultApiError).errors[0] ?? '';
    };
    expect(await expectRefused(t.client, { ttl: 'soon' })).toContain('ttl');
    expect(await expectRefused(t.client, { explicit_max_ttl: '-5m' })).toContain(
      'explicit_max_ttl',
    );
    expect(await expectRefused(t.client, { num_uses: 'many' })).toContain('num_uses');
    expect(await expectRefused(t.client, { num_uses: -1 })).toMatch(/uses/);
    expect(await expectRefused(t.client, { type: 'batch' })).toMatch(/batch/);
  });
});
