// SecretsManager: caching, TTLs, refresh-ahead, single-flight, LRU, peek, invalidate.
import { describe, expect, it } from 'vitest';
import { draws, harness } from './fake-provider.test-support.ts';
import { deriveVersion } from './version.ts';

const lease = (durationMs: number) => ({ id: 'lease-1', durationMs, renewable: false });

describe('SecretsManager cache', () => {
  it('fetches a miss once and serves it from cache until its TTL', async () => {
    const { clock, provider, manager } = harness({ defaultTtlMs: 100_000 });
    provider.set('app/db', 'hunter2');
    const first = await manager.get('app/db');
    await clock.advance(50_000);
    const second = await manager.get('app/db');
    expect(second).toBe(first);
    expect(first.reveal()).toBe('hunter2');
    expect(first.version).toBe(deriveVersion('hunter2'));
    expect(first.path).toBe('app/db');
    expect(provider.calls).toEqual(['app/db']);
  });

  it("uses the provider's version when it gives one", async () => {
    const { provider, manager } = harness();
    provider.set('kv/a', { k: 'v' }, { version: '7' });
    expect((await manager.get('kv/a')).version).toBe('7');
  });

  it('takes the TTL from the lease, else the provider, else the path option, else the default', async () => {
    const { provider, manager } = harness({
      defaultTtlMs: 300_000,
      paths: { 'p/table': { ttlMs: 7000 }, 'p/provider': { ttlMs: 7000 } },
    });
    provider.set('p/lease', 'x', { lease: lease(60_000), ttlMs: 5000 });
    provider.set('p/provider', 'x', { ttlMs: 5000 });
    provider.set('p/table', 'x');
    provider.set('p/default', 'x');
    const ttl = async (path: string) => {
      const s = await manager.get(path);
      return s.expiresAt - s.fetchedAt;
    };
    expect(await ttl('p/lease')).toBe(60_000);
    expect(await ttl('p/provider')).toBe(5000);
    expect(await ttl('p/table')).toBe(7000);
    expect(await ttl('p/default')).toBe(300_000);

    const fn = harness({
      paths: (path) => (path.startsWith('short/') ? { ttlMs: 1234 } : undefined),
    });
    fn.provider.set('short/a', 'x');
    const s = await fn.manager.get('short/a');
    expect(s.expiresAt - s.fetchedAt).toBe(1234);
  });

  it('jitters static TTLs (shorter only), so secrets fetched together expire apart', async () => {
    const { provider, manager } = harness({
      defaultTtlMs: 100_000,
      jitter: 0.1,
      random: draws(0, 0.5),
    });
    provider.set('a', '1');
    provider.set('b', '2');
    const a = await manager.get('a');
    const b = await manager.get('b');
    expect(a.expiresAt).toBe(100_000);
    expect(b.expiresAt).toBe(95_000);
  });

  it('evicts the least recently used entry beyond maxEntries, and its watch with it', async () => {
    const { provider, manager } = harness({ maxEntries: 2 });
    for (const p of ['a', 'b', 'c']) provider.set(p, p);
    await manager.get('a');
    await manager.get('b');
    await manager.get('a'); // a is now more recent than b
    await manager.get('c'); // evicts b
    expect(manager.peek('b')).toBeUndefined();
    expect(provider.watchers.has('b')).toBe(false);
    expect([...provider.watchers.keys()].sort()).toEqual(['a', 'c']);
    await manager.get('a');
    expect(provider.callsTo('a')).toBe(1);
    await manager.get('b');
    expect(provider.callsTo('b')).toBe(2);
  });

  it('refreshes a static value in the background at 70% of its TTL, without making get wait', async () => {
    const { clock, provider, manager } = harness({ defaultTtlMs: 100_000 });
    provider.set('a', 'v1');
    const v1 = await manager.get('a');
    await clock.advance(69_999);
    expect(provider.calls).toHaveLength(1);
    provider.holding = true; // the background refresh will hang until released
    await clock.advance(1);
    expect(provider.calls).toHaveLength(2);
    // Stale-while-revalidate: the fresh cached value answers at once.
    expect(await manager.get('a')).toBe(v1);
    provider.set('a', 'v2');
    provider.release();
    await clock.flush();
    expect((await manager.get('a')).reveal()).toBe('v2');
    expect(provider.calls).toHaveLength(2);
  });

  it('never refreshes in the background sooner than the floor', async () => {
    const { clock, provider, manager } = harness({
      defaultTtlMs: 1000,
      refreshFloorMs: 10_000,
      maxStaleMs: 1_000_000,
    });
    provider.set('a', 'v1');
    await manager.get('a');
    await clock.advance(9_999);
    expect(provider.calls).toHaveLength(1);
    await clock.advance(1);
    expect(provider.calls).toHaveLength(2);
  });

  it.each([
    { draw: 0, at: 85_000 },
    { draw: 0.5, at: 90_000 },
    { draw: 0.9999, at: 94_999 },
  ])(
    'refreshes a leased value at 90% +/- 5% of the lease (draw $draw -> $at ms)',
    async ({ draw, at }) => {
      const { clock, provider, manager } = harness({ random: () => draw });
      provider.set('db/creds', { user: 'u' }, { lease: lease(100_000) });
      await manager.get('db/creds');
      await clock.advance(at - 1);
      expect(provider.calls).toHaveLength(1);
      await clock.advance(1);
      expect(provider.calls).toHaveLength(2);
    },
  );

  it('shares one provider call among concurrent gets and refreshes of a path', async () => {
    const { clock, provider, manager } = harness();
    provider.set('a', 'v1');
    provider.holding = true;
    const pending = [
      ...Array.from({ length: 10 }, () => manager.get('a')),
      manager.refresh('a'),
      manager.getSecret('a'),
    ];
    await clock.flush();
    expect(provider.calls).toEqual(['a']);
    provider.release();
    const results = await Promise.all(pending);
    expect(new Set(results.slice(0, 11)).size).toBe(1);
    expect(results[11]).toBe('v1');
    expect(provider.calls).toEqual(['a']);
  });

  it('refresh() forces a fetch of a fresh value', async () => {
    const { provider, manager } = harness();
    provider.set('a', 'v1');
    await manager.get('a');
    provider.set('a', 'v2');
    expect((await manager.refresh('a')).reveal()).toBe('v2');
    expect(provider.calls).toHaveLength(2);
  });

  it('getSecret returns the raw value', async () => {
    const { provider, manager } = harness();
    provider.set('kv/app', { password: 'p' });
    expect(await manager.getSecret('kv/app')).toEqual({ password: 'p' });
  });

  it('peek is synchronous, never fetches, and never returns a value past its lease', async () => {
    const { clock, provider, manager } = harness({ maxStaleMs: 1_000_000 });
    provider.set('db', 'v1', { lease: lease(1000) });
    expect(manager.peek('db')).toBeUndefined();
    expect(provider.calls).toHaveLength(0);
    const s = await manager.get('db');
    expect(manager.peek('db')).toBe(s);
    provider.failure = new Error('unused'); // no refresh may succeed from here on
    await clock.advance(999);
    expect(manager.peek('db')).toBe(s);
    await clock.advance(1);
    expect(manager.peek('db')).toBeUndefined();
  });

  it('invalidate drops the value and its watch; the next get fetches', async () => {
    const { provider, manager } = harness();
    provider.set('a', 'v1');
    await manager.get('a');
    expect(provider.watchers.has('a')).toBe(true);
    manager.invalidate('a');
    expect(provider.watchers.has('a')).toBe(false);
    expect(manager.peek('a')).toBeUndefined();
    await manager.get('a');
    expect(provider.calls).toHaveLength(2);
  });

  it('invalidate during a fetch: the old fetch answers its callers but is not cached', async () => {
    const { clock, provider, manager } = harness();
    provider.set('a', 'v1');
    provider.holding = true;
    const before = manager.get('a');
    await clock.flush();
    manager.invalidate('a');
    const after = manager.get('a');
    await clock.flush();
    expect(provider.calls).toHaveLength(2);
    provider.release();
    const [b, a] = await Promise.all([before, after]);
    expect(b.reveal()).toBe('v1');
    expect(manager.peek('a')).toBe(a);
    expect(manager.peek('a')).not.toBe(b);
  });
});
