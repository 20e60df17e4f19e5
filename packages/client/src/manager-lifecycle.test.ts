// SecretsManager: rotation events, watches, listeners, close().
import { describe, expect, it } from 'vitest';
import { ClientClosedError, ProviderUnavailableError } from './errors.ts';
import { FakeProvider, harness, settle } from './fake-provider.test-support.ts';
import { SecretsManager } from './manager.ts';
import type { SecretProvider } from './provider.ts';
import { ManualClock } from '@strongroom/protocol';

describe('SecretsManager rotation', () => {
  it('emits rotated with both values and versions when a refresh brings a new version', async () => {
    const { provider, manager, events } = harness();
    provider.set('db', 'v1');
    const v1 = await manager.get('db');
    provider.set('db', 'v2');
    const v2 = await manager.refresh('db');
    expect(events).toEqual([
      [
        'rotated',
        {
          path: 'db',
          previous: { value: v1, version: v1.version },
          current: { value: v2, version: v2.version },
        },
      ],
    ]);
    expect(v1.version).not.toBe(v2.version);
  });

  it('does not emit rotated when the version is unchanged', async () => {
    const { provider, manager, events } = harness();
    provider.set('db', { b: 1, a: 2 });
    await manager.get('db');
    provider.set('db', { a: 2, b: 1 });
    await manager.refresh('db');
    expect(events).toEqual([]);
  });

  it('emits rotated before any get resolves to the new value', async () => {
    const { clock, provider, manager } = harness({ defaultTtlMs: 1000, maxStaleMs: 10_000 });
    provider.set('db', 'v1');
    await manager.get('db');
    const order: string[] = [];
    manager.on('rotated', ({ current }) =>
      order.push(`rotated:${current.value.reveal() as string}`),
    );
    provider.set('db', 'v2');
    provider.holding = true;
    await clock.advance(1000); // stale: the next get waits for the fetch
    const waiting = manager.get('db').then((s) => order.push(`get:${s.reveal() as string}`));
    const forced = manager.refresh('db').then((s) => order.push(`refresh:${s.reveal() as string}`));
    await clock.flush();
    provider.release();
    await Promise.all([waiting, forced]);
    expect(order[0]).toBe('rotated:v2');
    expect(order.slice(1).sort()).toEqual(['get:v2', 'refresh:v2']);
  });

  it('keeps caching when a rotated listener throws, and logs it without the value', async () => {
    const warnings: unknown[] = [];
    const { provider, manager } = harness({
      logger: { warn: (message, fields) => warnings.push({ message, fields }) },
    });
    provider.set('db', 'v1');
    await manager.get('db');
    manager.on('rotated', () => {
      throw new Error('listener bug');
    });
    provider.set('db', 'v2-secret');
    expect((await manager.refresh('db')).reveal()).toBe('v2-secret');
    expect(manager.peek('db')?.reveal()).toBe('v2-secret');
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain('v2-secret');
  });

  it('emits failure events with no listeners attached without crashing', async () => {
    const clock = new ManualClock(0);
    const provider = new FakeProvider();
    const manager = new SecretsManager({ provider, clock, random: () => 0 });
    provider.failure = new ProviderUnavailableError('down');
    await expect(settle(clock, manager.get('a'))).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(manager.listenerCount('refresh-failed')).toBe(0);
  });
});

describe('SecretsManager watches', () => {
  it('subscribes once when a path is first cached; a push with a new version rotates it', async () => {
    const { provider, manager, names } = harness();
    provider.set('cfg', 'v1');
    const v1 = await manager.get('cfg');
    await manager.refresh('cfg');
    expect(provider.watchCalls).toBe(1);
    provider.push('cfg', { value: 'v2' });
    expect(names()).toEqual(['rotated']);
    const v2 = await manager.get('cfg');
    expect(v2.reveal()).toBe('v2');
    expect(v2).not.toBe(v1);
    expect(provider.calls).toHaveLength(2);
  });

  it('reports a pushed error as refresh-failed and keeps the cached value', async () => {
    const { provider, manager, events } = harness();
    provider.set('cfg', 'v1');
    const v1 = await manager.get('cfg');
    provider.push('cfg', { error: new ProviderUnavailableError('watch lost') });
    expect(events).toEqual([
      [
        'refresh-failed',
        { path: 'cfg', error: expect.any(ProviderUnavailableError), class: 'transient' },
      ],
    ]);
    expect(await manager.get('cfg')).toBe(v1);
  });

  it('works with a provider that cannot watch', async () => {
    const clock = new ManualClock(0);
    const fake = new FakeProvider();
    fake.set('a', 'v1');
    const provider: SecretProvider = { name: 'plain', fetch: (p, o) => fake.fetch(p, o) };
    const manager = new SecretsManager({ provider, clock });
    expect((await manager.get('a')).reveal()).toBe('v1');
    manager.invalidate('a');
    await manager.close();
  });
});

describe('SecretsManager.close', () => {
  it('cancels timers, aborts in-flight attempts, unwatches, closes the provider, then refuses', async () => {
    const { clock, provider, manager } = harness();
    provider.set('a', 'v1');
    provider.set('b', 'v1');
    await manager.get('a');
    expect(clock.pendingTimers).toBeGreaterThan(0);
    provider.holding = true;
    const inFlight = manager.get('b');
    const inFlightRejected = expect(inFlight).rejects.toBeInstanceOf(ClientClosedError);
    await clock.flush();
    await manager.close();
    await inFlightRejected;
    expect(provider.signals.at(-1)?.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(provider.watchers.size).toBe(0);
    expect(provider.closed).toBe(true);
    await expect(manager.get('a')).rejects.toThrow(/SecretsManager is closed.*"a"/);
    await expect(manager.refresh('a')).rejects.toBeInstanceOf(ClientClosedError);
    expect(manager.peek('a')).toBeUndefined();
    await manager.close(); // idempotent
  });

  it('cancels a pending retry', async () => {
    const { clock, provider, manager } = harness({ random: () => 0.5 });
    provider.failure = new ProviderUnavailableError('down');
    const pending = manager.get('a');
    const rejected = expect(pending).rejects.toBeInstanceOf(ClientClosedError);
    await clock.flush();
    expect(provider.calls).toHaveLength(1);
    expect(clock.pendingTimers).toBe(1); // the backoff sleep
    await manager.close();
    await rejected;
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(60_000);
    expect(provider.calls).toHaveLength(1);
  });
});

describe('time is injected', () => {
  it('the cache and lifetime code never reads the wall clock or arms a raw timer', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const root = new URL('.', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter(
      (f) =>
        f.endsWith('.ts') &&
        !f.includes('test') &&
        (!/[/\\]/.test(f) || /^(cache|lifetime)[/\\]/.test(f)),
    );
    expect(files).toContain('manager.ts');
    expect(files.some((f) => f.startsWith('lifetime'))).toBe(true);
    for (const file of files) {
      const text = await readFile(new URL(file, root), 'utf8');
      expect(text, file).not.toMatch(/\b(setTimeout|setInterval|Date\.now)\(/);
    }
  });
});
