import { describe, expect, it } from 'vitest';
import type { ConnectionMemo } from '../../logical/request.ts';
import type { AuthResult } from '../../logical/response.ts';
import { listRecursive } from '../../logical/storage.ts';
import { leaseKey } from '../expiration/lease-entry.ts';
import { putJson } from '../../logical/storage.ts';
import { BOUNDS, HOUR, MINUTE, authResult, tokenFixture } from './test-support.ts';
import type { CountingCache } from './test-support.ts';
import { isPolicySubset, sanitizePolicies, tokenDisplayName } from './token-entry.ts';
import type { TokenEntry } from './token-entry.ts';
import { mountPointOf } from './token-store.ts';

type Fixture = Awaited<ReturnType<typeof tokenFixture>>;

async function child(
  f: Fixture,
  parent: TokenEntry,
  overrides: Partial<AuthResult> = {},
  options: { orphan?: boolean; sudo?: boolean } = {},
) {
  return f.store.create({
    auth: authResult(overrides),
    parent,
    path: 'auth/token/create',
    bounds: BOUNDS,
    ...options,
  });
}

describe('policy rules', () => {
  it.each([
    [['b', 'a', 'A ', ''], true, ['a', 'b', 'default']],
    [['a', 'default'], false, ['a']],
    [['root', 'a'], true, ['root']],
    [[], true, ['default']],
  ])('sanitizes %j (default %s) to %j', (input, addDefault, expected) => {
    expect(sanitizePolicies(input, { addDefault })).toEqual(expected);
  });

  it('subset ignores default', () => {
    expect(isPolicySubset(['a', 'default'], ['a'])).toBe(true);
    expect(isPolicySubset(['a', 'b'], ['a', 'default'])).toBe(false);
  });

  it('display names and mount points', () => {
    expect(tokenDisplayName('')).toBe('token');
    expect(tokenDisplayName('My App!')).toBe('token-my-app');
    expect(mountPointOf('auth/approle/login')).toBe('auth/approle/');
    expect(mountPointOf('auth/token/create')).toBe('auth/token/');
  });
});

describe('TokenStore', () => {
  it('refuses a CIDR-bound token from outside its CIDRs', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const bound = await child(f, rootEntry, { boundCidrs: ['10.0.0.0/8', '127.0.0.1/32'] });
    expect(await f.store.authenticate(bound.clientToken, '10.1.2.3')).toBeDefined();
    expect(await f.store.authenticate(bound.clientToken, '127.0.0.1')).toBeDefined();
    expect(await f.store.authenticate(bound.clientToken, '::ffff:127.0.0.1')).toBeDefined();
    expect(await f.store.authenticate(bound.clientToken, '192.168.1.1')).toBeUndefined();
    expect(await f.store.authenticate(bound.clientToken, '')).toBeUndefined();
    // A lookup on someone's behalf (no address) is not a use.
    expect(await f.store.authenticate(bound.clientToken)).toBeDefined();
  });

  it('issues hvs. tokens and base62 accessors, and looks them up', async () => {
    const f = await tokenFixture();
    expect(f.root.clientToken).toMatch(/^hvs\.[0-9A-Za-z]{32}$/);
    expect(f.root.accessor).toMatch(/^[0-9A-Za-z]{24}$/);
    const entry = await f.store.lookup(f.root.clientToken);
    expect(entry).toMatchObject({ policies: ['root'], orphan: true, creationTtlMs: 0 });
    expect(await f.store.lookup('hvs.nope')).toBeUndefined();
    expect(await f.store.lookup('')).toBeUndefined();
    expect((await f.store.lookupByAccessor(f.root.accessor))?.hash).toBe(entry?.hash);
  });

  it('stores only salted hashes: no raw token in any stored byte or log line', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const a = await child(f, rootEntry, { policies: ['a'], ttlMs: HOUR });
    const b = await child(f, a.entry, { policies: ['a'] });
    await f.expiration.registerSecret({
      path: 'database/creds/ro',
      mountPoint: 'database/',
      secret: { type: 'creds', internal: {}, ttlMs: HOUR, maxTtlMs: 0, renewable: true },
      tokenHash: b.entry.hash,
      bounds: BOUNDS,
    });
    await f.store.renew(b.entry.hash, MINUTE);
    await f.store.revokeTree(b.entry.hash);
    const custom = await f.store.createRoot({ id: 'my-dev-root-token' });

    const raws = [f.root.clientToken, a.clientToken, b.clientToken, custom.clientToken];
    const keys = await listRecursive(f.physical);
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) {
      const bytes = Buffer.from((await f.physical.get(key))!);
      for (const raw of raws) {
        expect(key).not.toContain(raw);
        expect(bytes.includes(Buffer.from(raw))).toBe(false);
        expect(bytes.includes(Buffer.from(raw.slice(4)))).toBe(false);
      }
    }
    for (const raw of raws) expect(f.log.text()).not.toContain(raw.slice(4));
    // The hash is deterministic under the stored salt.
    expect(await f.store.hash(a.clientToken)).toBe(a.entry.hash);
    expect(a.entry.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the salt across store instances over the same storage', async () => {
    const f = await tokenFixture();
    const { TokenStore } = await import('./token-store.ts');
    const { StorageView } = await import('../../logical/storage.ts');
    const again = new TokenStore({
      storage: new StorageView(f.physical, 'sys/token/'),
      expiration: f.expiration,
      clock: f.clock,
      logger: f.log.logger,
    });
    expect((await again.lookup(f.root.clientToken))?.accessor).toBe(f.root.accessor);
  });

  it('applies the policy rules against the parent', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const parent = await child(f, rootEntry, { policies: ['b', 'a'] });
    expect(parent.entry.policies).toEqual(['a', 'b', 'default']);

    await expect(child(f, parent.entry, { policies: ['a', 'c'] })).rejects.toMatchObject({
      status: 400,
      message: 'child policies must be subset of parent',
    });
    const inherited = await child(f, parent.entry);
    expect(inherited.entry.policies).toEqual(['a', 'b', 'default']);
    const narrower = await child(f, parent.entry, { policies: ['a'], noDefaultPolicy: true });
    expect(narrower.entry.policies).toEqual(['a']);
    const sudo = await child(f, parent.entry, { policies: ['c'] }, { sudo: true });
    expect(sudo.entry.policies).toEqual(['c', 'default']);
    await expect(
      child(f, parent.entry, { policies: ['root'] }, { sudo: true }),
    ).rejects.toMatchObject({ status: 400 });
    const anything = await child(f, rootEntry, { policies: ['x'] });
    expect(anything.entry.policies).toEqual(['default', 'x']);
  });

  it('revoking a parent revokes its whole tree and the secret leases of every token in it', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const a = await child(f, rootEntry, { policies: ['p'] });
    const b = await child(f, a.entry, { policies: ['p'] });
    const c = await child(f, b.entry, { policies: ['p'] });
    const sibling = await child(f, rootEntry, { policies: ['p'] });
    const lease = await f.expiration.registerSecret({
      path: 'database/creds/ro',
      mountPoint: 'database/',
      secret: { type: 'creds', internal: {}, ttlMs: HOUR, maxTtlMs: 0, renewable: true },
      tokenHash: c.entry.hash,
      bounds: BOUNDS,
    });

    await f.store.revokeTree(a.entry.hash);
    for (const t of [a, b, c]) {
      expect(await f.store.lookup(t.clientToken)).toBeUndefined();
      expect(await f.store.lookupByAccessor(t.accessor)).toBeUndefined();
      expect(await f.expiration.lookup(`auth/token/create/${t.entry.hash}`)).toBeUndefined();
    }
    expect(f.revokedSecrets).toEqual([lease.leaseId]);
    expect(await f.store.lookup(sibling.clientToken)).toBeDefined();
    expect(await f.store.lookup(f.root.clientToken)).toBeDefined();
    // Nothing of the revoked tokens is left in storage.
    const keys = await listRecursive(f.physical);
    for (const t of [a, b, c]) expect(keys.some((k) => k.includes(t.entry.hash))).toBe(false);
    // Idempotent.
    await f.store.revokeTree(a.entry.hash);
  });

  it('revokeOrphan revokes the token but orphans its children', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const a = await child(f, rootEntry, { policies: ['p'] });
    const b = await child(f, a.entry, { policies: ['p'] });
    const c = await child(f, b.entry, { policies: ['p'] });
    await f.store.revokeOrphan(a.entry.hash);
    expect(await f.store.lookup(a.clientToken)).toBeUndefined();
    const orphaned = await f.store.lookup(b.clientToken);
    expect(orphaned?.orphan).toBe(true);
    expect(orphaned?.parentHash).toBeUndefined();
    // b's own children stay attached to b.
    await f.store.revokeTree(f.root.entry.hash);
    expect(await f.store.lookup(b.clientToken)).toBeDefined();
    await f.store.revokeTree(b.entry.hash);
    expect(await f.store.lookup(c.clientToken)).toBeUndefined();
  });

  it('expires a token through the clock, and refuses it even before the timer runs', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const t = await child(f, rootEntry, { policies: ['p'], ttlMs: 30 * MINUTE });
    expect(t.ttlMs).toBe(30 * MINUTE);
    await f.clock.advance(30 * MINUTE - 1);
    expect(await f.store.lookup(t.clientToken)).toBeDefined();
    await f.clock.advance(1);
    expect(await f.store.lookup(t.clientToken)).toBeUndefined();
    expect(await f.physical.get(`sys/token/id/${t.entry.hash}`)).toBeUndefined();

    const u = await child(f, rootEntry, { policies: ['p'], ttlMs: 10 * MINUTE });
    f.expiration.stop();
    await f.clock.advance(10 * MINUTE);
    expect(await f.store.lookup(u.clientToken)).toBeUndefined();
  });

  it('expiry of a parent takes its children with it', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const parent = await child(f, rootEntry, { policies: ['p'], ttlMs: 10 * MINUTE });
    const kid = await child(f, parent.entry, { policies: ['p'], ttlMs: HOUR });
    await f.clock.advance(10 * MINUTE);
    expect(await f.store.lookup(kid.clientToken)).toBeUndefined();
    expect(f.expiration.count()).toBe(0);
  });

  it('uses the mount default TTL, capped by explicit max and mount max', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    expect((await child(f, rootEntry, { policies: ['p'] })).ttlMs).toBe(HOUR);
    expect((await child(f, rootEntry, { policies: ['p'], ttlMs: 48 * HOUR })).ttlMs).toBe(
      24 * HOUR,
    );
    const capped = await child(f, rootEntry, {
      policies: ['p'],
      ttlMs: HOUR,
      maxTtlMs: 20 * MINUTE,
    });
    expect(capped.ttlMs).toBe(20 * MINUTE);
    expect(capped.entry.explicitMaxTtlMs).toBe(20 * MINUTE);
  });

  it('renewal extends by the increment but never past the explicit max', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const t = await child(f, rootEntry, { policies: ['p'], ttlMs: HOUR, maxTtlMs: 90 * MINUTE });
    await f.clock.advance(30 * MINUTE);
    expect((await f.store.renew(t.entry.hash, HOUR)).ttlMs).toBe(HOUR);
    await f.clock.advance(45 * MINUTE);
    // 75 minutes in: only 15 are left before the explicit max.
    expect((await f.store.renew(t.entry.hash, HOUR)).ttlMs).toBe(15 * MINUTE);
    await f.clock.advance(15 * MINUTE - 1);
    expect(await f.store.lookup(t.clientToken)).toBeDefined();
    await f.clock.advance(1);
    expect(await f.store.lookup(t.clientToken)).toBeUndefined();
    await expect(f.store.renew(t.entry.hash, HOUR)).rejects.toMatchObject({ status: 400 });
  });

  it('renewal without an increment uses the creation TTL', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const t = await child(f, rootEntry, { policies: ['p'], ttlMs: 20 * MINUTE });
    await f.clock.advance(5 * MINUTE);
    expect((await f.store.renew(t.entry.hash, 0)).ttlMs).toBe(20 * MINUTE);
  });

  it('refuses to renew a non-renewable or never-expiring token', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const fixed = await child(f, rootEntry, { policies: ['p'], renewable: false });
    await expect(f.store.renew(fixed.entry.hash, 0)).rejects.toMatchObject({ status: 400 });
    await expect(f.store.renew(rootEntry.hash, 0)).rejects.toMatchObject({ status: 400 });
  });

  it('periodic tokens live as long as they are renewed within the period', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const t = await child(f, rootEntry, { policies: ['p'], periodMs: 10 * MINUTE, ttlMs: HOUR });
    expect(t.ttlMs).toBe(10 * MINUTE);
    // Three days, far past the mount max of 24h.
    for (let i = 0; i < 3 * 24 * 8; i++) {
      await f.clock.advance(9 * MINUTE);
      expect((await f.store.renew(t.entry.hash, HOUR)).ttlMs).toBe(10 * MINUTE);
    }
    expect(await f.store.lookup(t.clientToken)).toBeDefined();
    await f.clock.advance(10 * MINUTE);
    expect(await f.store.lookup(t.clientToken)).toBeUndefined();
  });

  it('a periodic token with an explicit max dies at the max', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const t = await child(f, rootEntry, {
      policies: ['p'],
      periodMs: 10 * MINUTE,
      maxTtlMs: 25 * MINUTE,
    });
    await f.clock.advance(9 * MINUTE);
    expect((await f.store.renew(t.entry.hash, 0)).ttlMs).toBe(10 * MINUTE);
    await f.clock.advance(9 * MINUTE);
    expect((await f.store.renew(t.entry.hash, 0)).ttlMs).toBe(7 * MINUTE);
    await f.clock.advance(7 * MINUTE);
    expect(await f.store.lookup(t.clientToken)).toBeUndefined();
  });

  it('a use-limited token is revoked by its last use', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const t = await child(f, rootEntry, { policies: ['p'], numUses: 2 });
    const first = await f.store.useToken((await f.store.lookup(t.clientToken))!);
    expect(first?.numUses).toBe(1);
    expect((await f.store.lookup(t.clientToken))?.numUses).toBe(1);
    const second = await f.store.useToken((await f.store.lookup(t.clientToken))!);
    expect(second?.numUses).toBe(0);
    expect(await f.store.lookup(t.clientToken)).toBeUndefined();
    expect(await f.store.useToken(t.entry)).toBeUndefined();
    await expect(child(f, first!, { policies: ['p'] })).rejects.toMatchObject({ status: 400 });
  });

  it('concurrent uses never spend the same use twice', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const t = await child(f, rootEntry, { policies: ['p'], numUses: 3 });
    const results = await Promise.all(Array.from({ length: 5 }, () => f.store.useToken(t.entry)));
    expect(results.map((r) => r?.numUses)).toEqual([2, 1, 0, undefined, undefined]);
  });

  it('unlimited tokens are untouched by useToken', async () => {
    const f = await tokenFixture();
    const entry = (await f.store.lookup(f.root.clientToken))!;
    expect(await f.store.useToken(entry)).toBe(entry);
  });

  it('root tokens: chosen ID, never expire, may create never-expiring root children', async () => {
    const f = await tokenFixture();
    const dev = await f.store.createRoot({ id: 'root' });
    expect(dev.clientToken).toBe('root');
    const entry = (await f.store.lookup('root'))!;
    expect(entry.policies).toEqual(['root']);
    await expect(f.store.createRoot({ id: 'root' })).rejects.toMatchObject({ status: 400 });
    const rootChild = await child(f, entry, { policies: ['root'] });
    expect(rootChild.ttlMs).toBe(0);
    const limitedRoot = await child(f, entry, { policies: ['root'], ttlMs: HOUR });
    const grandchild = await child(f, limitedRoot.entry, { policies: ['root'] });
    expect(grandchild.ttlMs).toBe(HOUR);
  });

  it('lookup data follows Vault', async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const t = await child(f, rootEntry, {
      policies: ['p'],
      ttlMs: HOUR,
      metadata: { user: 'ada' },
      displayName: 'token-app',
      periodMs: 0,
    });
    await f.clock.advance(10 * MINUTE + 500);
    const data = await f.store.toLookupData(t.entry, { id: t.clientToken });
    expect(data).toEqual({
      accessor: t.accessor,
      creation_time: Math.floor(Date.UTC(2026, 0, 1) / 1000),
      creation_ttl: 3600,
      display_name: 'token-app',
      entity_id: '',
      expire_time: '2026-01-01T01:00:00.000Z',
      explicit_max_ttl: 0,
      id: t.clientToken,
      issue_time: '2026-01-01T00:00:00.000Z',
      meta: { user: 'ada' },
      num_uses: 0,
      orphan: false,
      path: 'auth/token/create',
      policies: ['default', 'p'],
      renewable: true,
      ttl: 2999,
      type: 'service',
    });
    const rootData = await f.store.toLookupData(rootEntry);
    expect(rootData).toMatchObject({ id: '', expire_time: null, ttl: 0, meta: null, orphan: true });
  });

  it('authenticate, consumeUse and issue serve the pipeline', async () => {
    const f = await tokenFixture();
    const caller = (await f.store.authenticate(f.root.clientToken))!;
    expect(caller).toMatchObject({ root: true, accessor: f.root.accessor, policies: ['root'] });
    expect(JSON.stringify(caller)).not.toContain(f.root.clientToken);
    const issued = await f.store.issue({
      auth: authResult({ policies: ['app'], ttlMs: 20 * MINUTE, numUses: 1 }),
      parent: undefined,
      path: 'auth/approle/login',
      bounds: BOUNDS,
    });
    expect(issued).toMatchObject({
      policies: ['app', 'default'],
      ttlMs: 20 * MINUTE,
      orphan: true,
      metadata: null,
      tokenType: 'service',
    });
    const hash = await f.store.hash(issued.clientToken);
    expect(await f.expiration.lookup(`auth/approle/login/${hash}`)).toMatchObject({
      mountPoint: 'auth/approle/',
    });
    const login = (await f.store.authenticate(issued.clientToken))!;
    await f.store.consumeUse(login);
    expect(await f.store.authenticate(issued.clientToken)).toBeUndefined();
  });

  it("takes a token's key from the connection's memo only when this store made it for that token", async () => {
    const f = await tokenFixture();
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const a = await child(f, rootEntry, { policies: ['a'] });
    const b = await child(f, rootEntry, { policies: ['b'] });
    const accessorOf = async (token: string, connection: ConnectionMemo) =>
      (await f.store.authenticate(token, undefined, connection))?.accessor;

    const connection: ConnectionMemo = {};
    expect(await accessorOf(a.clientToken, connection)).toBe(a.accessor);
    expect(connection.token).toEqual({ owner: f.store, raw: a.clientToken, key: a.entry.hash });
    expect(await accessorOf(a.clientToken, connection)).toBe(a.accessor);
    expect(await accessorOf(b.clientToken, connection)).toBe(b.accessor);
    expect(connection.token?.key).toBe(b.entry.hash);

    // The memo is trusted for the token it names, when this store wrote it...
    const planted: ConnectionMemo = {
      token: { owner: f.store, raw: a.clientToken, key: b.entry.hash },
    };
    expect(await accessorOf(a.clientToken, planted)).toBe(b.accessor);
    // ...and never for another token, nor when another store (another salt) wrote it.
    const other = await tokenFixture();
    const foreign: ConnectionMemo = {
      token: { owner: other.store, raw: a.clientToken, key: b.entry.hash },
    };
    expect(await accessorOf(a.clientToken, foreign)).toBe(a.accessor);
    expect(foreign.token).toEqual({ owner: f.store, raw: a.clientToken, key: a.entry.hash });
    const sameLength = `${a.clientToken.slice(0, -1)}${a.clientToken.endsWith('x') ? 'y' : 'x'}`;
    planted.token = { owner: f.store, raw: a.clientToken, key: b.entry.hash };
    expect(await accessorOf(sameLength, planted)).toBeUndefined();
  });
});

describe('TokenStore.authenticate behind the storage cache', () => {
  /**
   * With the token's entry and lease cached, authenticate answers without waiting on storage;
   * it must apply the same rules as the lookup that reads through. Each case checks both.
   */
  async function cachedFixture() {
    const f = await tokenFixture({ cached: true });
    const rootEntry = (await f.store.lookup(f.root.clientToken))!;
    const cache = f.physical as CountingCache;
    const agree = async (token: string, address?: string): Promise<boolean> => {
      cache.waitedReads = 0;
      const caller = await f.store.authenticate(token, address);
      expect(cache.waitedReads).toBe(0); // answered from the cache
      const looked = await f.store.lookup(token);
      if (address === undefined) expect(caller?.accessor).toBe(looked?.accessor);
      return caller !== undefined;
    };
    return { ...f, rootEntry, agree };
  }

  it('accepts a live token and refuses it from its expiry on, before any timer runs', async () => {
    const f = await cachedFixture();
    f.expiration.stop(); // the records stay, cached; only the rules can refuse the token
    const t = await child(f, f.rootEntry, { policies: ['p'], ttlMs: 30 * MINUTE });
    expect(await f.agree(t.clientToken)).toBe(true);
    await f.clock.advance(30 * MINUTE - 1);
    expect(await f.agree(t.clientToken)).toBe(true);
    await f.clock.advance(1);
    expect(await f.agree(t.clientToken)).toBe(false);
  });

  it('refuses a token past its explicit max TTL, and accepts one without a TTL', async () => {
    const f = await cachedFixture();
    f.expiration.stop();
    const t = await child(f, f.rootEntry, {
      policies: ['p'],
      periodMs: HOUR,
      maxTtlMs: 2 * MINUTE,
    });
    expect(await f.agree(t.clientToken)).toBe(true);
    await f.clock.advance(2 * MINUTE);
    expect(await f.agree(t.clientToken)).toBe(false);
    expect(await f.agree(f.root.clientToken)).toBe(true); // no TTL: no lease to check
  });

  it('refuses a token whose lease is being revoked, a revoked token and a spent one', async () => {
    const f = await cachedFixture();
    const t = await child(f, f.rootEntry, { policies: ['p'], ttlMs: HOUR });
    const leaseId = `auth/token/create/${t.entry.hash}`;
    const lease = (await f.expiration.lookup(leaseId))!;
    expect(await f.agree(t.clientToken)).toBe(true);
    await putJson(f.physical, `sys/expire/${leaseKey(leaseId)}`, { ...lease, revokeAttempts: 1 });
    expect(await f.agree(t.clientToken)).toBe(false);

    const revoked = await child(f, f.rootEntry, { policies: ['p'], ttlMs: HOUR });
    expect(await f.agree(revoked.clientToken)).toBe(true);
    await f.store.revokeTree(revoked.entry.hash);
    // Gone from storage, so not cached: the read goes through and finds nothing.
    expect(await f.store.authenticate(revoked.clientToken)).toBeUndefined();

    const once = await child(f, f.rootEntry, { policies: ['p'], ttlMs: HOUR, numUses: 1 });
    const caller = (await f.store.authenticate(once.clientToken))!;
    expect(await f.store.consumeUse(caller)).toBe('last');
    expect(await f.agree(once.clientToken)).toBe(false);
  });

  it('applies bound CIDRs as the read-through path does', async () => {
    const f = await cachedFixture();
    const bound = await child(f, f.rootEntry, { boundCidrs: ['10.0.0.0/8'] });
    expect(await f.agree(bound.clientToken, '10.1.2.3')).toBe(true);
    expect(await f.agree(bound.clientToken, '192.168.1.1')).toBe(false);
  });
});
