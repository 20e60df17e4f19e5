import { describe, expect, it } from 'vitest';
import type { Operation } from '../../logical/request.ts';
import { createTokenBackend } from './backend.ts';
import { BOUNDS, HOUR, MINUTE, authResult, requestContext, tokenFixture } from './test-support.ts';
import { toRequestAuth } from './token-store.ts';

type Fixture = Awaited<ReturnType<typeof tokenFixture>>;

async function setup() {
  const f = await tokenFixture();
  const backend = createTokenBackend({ store: f.store, expiration: f.expiration });
  /** Sends a request as the holder of `token`. */
  const call = async (
    token: string,
    operation: Operation,
    path: string,
    data: Record<string, unknown> = {},
  ) => {
    const entry = await f.store.lookup(token);
    return backend.handleRequest(
      requestContext(f, {
        operation,
        path,
        data,
        clientToken: token,
        auth: entry === undefined ? undefined : toRequestAuth(entry),
      }),
    );
  };
  return { f, backend, call };
}

async function createAs(
  call: Awaited<ReturnType<typeof setup>>['call'],
  token: string,
  data: Record<string, unknown>,
  path = 'create',
) {
  const response = await call(token, 'update', path, data);
  const auth = response?.auth;
  if (auth?.clientToken === undefined) throw new Error('no token created');
  return { ...auth, clientToken: auth.clientToken };
}

describe('auth/token backend', () => {
  it('create answers an auth block with the token already issued', async () => {
    const { f, call } = await setup();
    const response = await call(f.root.clientToken, 'update', 'create', {
      policies: 'web,stage',
      meta: { user: 'armon' },
      ttl: '1h',
      display_name: 'My App',
      num_uses: '3',
    });
    expect(response?.auth).toMatchObject({
      policies: ['default', 'stage', 'web'],
      metadata: { user: 'armon' },
      displayName: 'token-my-app',
      ttlMs: HOUR,
      renewable: true,
      orphan: false,
      numUses: 3,
      tokenType: 'service',
      entityId: '',
    });
    expect(response?.auth?.clientToken).toMatch(/^hvs\./);
    expect(response?.auth?.accessor).toMatch(/^[0-9A-Za-z]{24}$/);
    const entry = await f.store.lookup(response?.auth?.clientToken ?? '');
    expect(entry?.path).toBe('auth/token/create');
    expect(entry?.parentHash).toBe(f.root.entry.hash);
  });

  it('create enforces the subset rule and the root/sudo-only flags', async () => {
    const { f, call } = await setup();
    const user = await createAs(call, f.root.clientToken, { policies: ['a'] });
    await expect(
      call(user.clientToken, 'update', 'create', { policies: ['a', 'b'] }),
    ).rejects.toMatchObject({ status: 400, message: 'child policies must be subset of parent' });
    await expect(
      call(user.clientToken, 'update', 'create', { no_parent: true }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      call(user.clientToken, 'update', 'create', { period: '1h' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(call(user.clientToken, 'update', 'create', { id: 'mine' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      call(user.clientToken, 'update', 'create', { type: 'batch' }),
    ).rejects.toMatchObject({ status: 400 });
    const inherited = await createAs(call, user.clientToken, {});
    expect(inherited.policies).toEqual(['a', 'default']);
    expect(inherited.orphan).toBe(false);
  });

  it('root may create orphans, periodic tokens and chosen IDs', async () => {
    const { f, call } = await setup();
    const orphan = await createAs(call, f.root.clientToken, { policies: ['a'], no_parent: true });
    expect(orphan.orphan).toBe(true);
    const periodic = await createAs(call, f.root.clientToken, { policies: ['a'], period: '10m' });
    expect(periodic.ttlMs).toBe(10 * MINUTE);
    expect(periodic.periodMs).toBe(10 * MINUTE);
    const chosen = await createAs(call, f.root.clientToken, { policies: ['a'], id: 'my-token' });
    expect(chosen.clientToken).toBe('my-token');
    await expect(
      call(f.root.clientToken, 'update', 'create', { id: 'has.period' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('create-orphan needs no sudo', async () => {
    const { f, call } = await setup();
    const user = await createAs(call, f.root.clientToken, { policies: ['a'] });
    const orphan = await createAs(call, user.clientToken, { policies: ['a'] }, 'create-orphan');
    expect(orphan.orphan).toBe(true);
    expect((await f.store.lookup(orphan.clientToken))?.path).toBe('auth/token/create-orphan');
    await call(f.root.clientToken, 'update', 'revoke', { token: user.clientToken });
    expect(await f.store.lookup(orphan.clientToken)).toBeDefined();
  });

  it('a sudo hook lifts the subset rule', async () => {
    const f = await tokenFixture();
    const backend = createTokenBackend({ store: f.store, hasSudo: () => true });
    const parent = await f.store.create({
      auth: authResult({ policies: ['a'] }),
      parent: f.root.entry,
      path: 'auth/token/create',
      bounds: BOUNDS,
    });
    const response = await backend.handleRequest(
      requestContext(f, {
        operation: 'update',
        path: 'create',
        data: { policies: ['z'] },
        clientToken: parent.clientToken,
        auth: toRequestAuth(parent.entry),
      }),
    );
    expect(response?.auth?.policies).toEqual(['default', 'z']);
  });

  it('lookup, lookup-self and lookup-accessor', async () => {
    const { f, call } = await setup();
    const user = await createAs(call, f.root.clientToken, { policies: ['a'], ttl: '30m' });
    const byToken = await call(f.root.clientToken, 'update', 'lookup', {
      token: user.clientToken,
    });
    expect(byToken?.data).toMatchObject({
      id: user.clientToken,
      accessor: user.accessor,
      policies: ['a', 'default'],
      ttl: 1800,
      creation_ttl: 1800,
      path: 'auth/token/create',
    });
    const self = await call(user.clientToken, 'read', 'lookup-self');
    expect(self?.data).toMatchObject({ id: user.clientToken, accessor: user.accessor });
    const selfViaLookup = await call(user.clientToken, 'read', 'lookup');
    expect(selfViaLookup?.data).toMatchObject({ id: user.clientToken });
    const byAccessor = await call(f.root.clientToken, 'update', 'lookup-accessor', {
      accessor: user.accessor,
    });
    expect(byAccessor?.data).toMatchObject({ id: '', accessor: user.accessor });
    expect(JSON.stringify(byAccessor)).not.toContain(user.clientToken);
  });

  it('lookup of an unknown token answers 403 bad token; unknown accessor 400', async () => {
    const { f, call } = await setup();
    await expect(
      call(f.root.clientToken, 'update', 'lookup', { token: 'hvs.unknown' }),
    ).rejects.toMatchObject({ status: 403, message: 'bad token' });
    await expect(
      call(f.root.clientToken, 'update', 'lookup-accessor', { accessor: 'nope' }),
    ).rejects.toMatchObject({ status: 400, message: 'invalid accessor' });
    await expect(
      call(f.root.clientToken, 'update', 'revoke-accessor', { accessor: '../x' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(call(f.root.clientToken, 'update', 'lookup-accessor', {})).rejects.toMatchObject({
      status: 400,
      code: 'missing_field',
    });
  });

  it('renew, renew-self and renew-accessor answer an auth block with the new TTL', async () => {
    const { f, call } = await setup();
    const user = await createAs(call, f.root.clientToken, {
      policies: ['a'],
      ttl: '30m',
      explicit_max_ttl: '2h',
    });
    await f.clock.advance(20 * MINUTE);
    const renewed = await call(f.root.clientToken, 'update', 'renew', {
      token: user.clientToken,
      increment: '1h',
    });
    expect(renewed?.auth).toMatchObject({
      clientToken: user.clientToken,
      accessor: user.accessor,
      ttlMs: HOUR,
      renewable: true,
    });
    const self = await call(user.clientToken, 'update', 'renew-self', { increment: 7200 });
    // 20 minutes in, the explicit max leaves 100 minutes.
    expect(self?.auth).toMatchObject({ clientToken: user.clientToken, ttlMs: 100 * MINUTE });
    const viaAccessor = await call(f.root.clientToken, 'update', 'renew-accessor', {
      accessor: user.accessor,
    });
    expect(viaAccessor?.auth).toMatchObject({ clientToken: '', ttlMs: 30 * MINUTE });
    await expect(
      call(f.root.clientToken, 'update', 'renew', { token: 'hvs.unknown' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('revoke, revoke-self, revoke-accessor and revoke-orphan', async () => {
    const { f, call } = await setup();
    const a = await createAs(call, f.root.clientToken, { policies: ['a'] });
    const b = await createAs(call, a.clientToken, { policies: ['a'] });
    const c = await createAs(call, b.clientToken, { policies: ['a'] });

    expect(
      await call(f.root.clientToken, 'update', 'revoke-orphan', { token: b.clientToken }),
    ).toBeUndefined();
    expect(await f.store.lookup(b.clientToken)).toBeUndefined();
    expect((await f.store.lookup(c.clientToken))?.orphan).toBe(true);

    expect(await call(c.clientToken, 'update', 'revoke-self')).toBeUndefined();
    expect(await f.store.lookup(c.clientToken)).toBeUndefined();

    expect(
      await call(f.root.clientToken, 'update', 'revoke-accessor', { accessor: a.accessor }),
    ).toBeUndefined();
    expect(await f.store.lookup(a.clientToken)).toBeUndefined();

    // Revoking a token that is already gone succeeds, as Vault's does.
    expect(
      await call(f.root.clientToken, 'update', 'revoke', { token: a.clientToken }),
    ).toBeUndefined();
    await expect(call(f.root.clientToken, 'update', 'revoke', {})).rejects.toMatchObject({
      status: 400,
    });
  });

  it('lists accessors, warns about unknown fields, declares sudo paths', async () => {
    const { f, call, backend } = await setup();
    const user = await createAs(call, f.root.clientToken, { policies: ['a'] });
    const listed = await call(f.root.clientToken, 'list', 'accessors');
    expect(listed?.data?.['keys']).toEqual([f.root.accessor, user.accessor].sort());
    const warned = await call(f.root.clientToken, 'update', 'create', { bogus: 1 });
    expect(warned?.warnings?.[0]).toContain('bogus');
    expect(backend.specialPaths.root).toEqual(['revoke-orphan*', 'accessors*']);
    await expect(call(f.root.clientToken, 'update', 'roles/x')).rejects.toMatchObject({
      status: 404,
    });
  });

  it('refuses callers without a token', async () => {
    const { f, backend } = await setup();
    await expect(
      backend.handleRequest(
        requestContext(f, {
          operation: 'read',
          path: 'lookup-self',
          clientToken: '',
          auth: undefined,
        }),
      ),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('raw tokens never reach the logs', async () => {
    const { f, call } = await setup();
    const user = await createAs(call, f.root.clientToken, { policies: ['a'] });
    await call(user.clientToken, 'read', 'lookup-self');
    await call(user.clientToken, 'update', 'revoke-self');
    const fixture: Fixture = f;
    expect(fixture.log.text()).not.toContain(user.clientToken.slice(4));
    expect(fixture.log.text()).toContain(user.accessor);
  });
});
