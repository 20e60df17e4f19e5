// SecretsManager: retries, timeouts, error classes, stale fallback, the circuit breaker,
// and the outage drill.
import { describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  PermissionDeniedError,
  ProviderHttpError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  SecretFetchError,
  classifyError,
} from './errors.ts';
import { harness, settle } from './fake-provider.test-support.ts';
import type { RefreshFailedEvent } from './manager.ts';

const down = () => new ProviderUnavailableError('connection refused');

/** Every string reachable from an error: messages, names, codes, causes. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; depth++) {
    parts.push(e.name, e.message, String((e as { code?: unknown }).code), e.stack ?? '');
    e = e.cause;
  }
  return parts.join('\n');
}

describe('SecretsManager failures', () => {
  it('retries transient failures with full-jitter exponential backoff on the clock', async () => {
    const { clock, provider, manager } = harness({ random: () => 0.999 });
    provider.set('a', 'v1');
    provider.failures.push(down(), down());
    const result = manager.get('a');
    await clock.flush();
    expect(provider.calls).toHaveLength(1);
    await clock.advance(98); // first retry after 0.999 * 100 ms
    expect(provider.calls).toHaveLength(1);
    await clock.advance(1);
    expect(provider.calls).toHaveLength(2);
    await clock.advance(198); // second retry after 0.999 * 200 ms
    expect(provider.calls).toHaveLength(2);
    await clock.advance(1);
    expect(provider.calls).toHaveLength(3);
    expect((await result).reveal()).toBe('v1');
  });

  it('gives up after 3 attempts with an error that names the path', async () => {
    const { clock, provider, manager, events } = harness();
    provider.failure = down();
    const result = manager.get('app/db');
    const settled = expect(result).rejects.toBeInstanceOf(ProviderUnavailableError);
    await clock.advance(10_000);
    await settled;
    expect(provider.calls).toHaveLength(3);
    const failed = events.find(([name]) => name === 'refresh-failed')?.[1] as RefreshFailedEvent;
    expect(failed.path).toBe('app/db');
    expect(failed.class).toBe('transient');
  });

  it('aborts an attempt through its signal after the per-attempt timeout, then retries', async () => {
    const { clock, provider, manager } = harness();
    provider.set('a', 'v1');
    provider.holding = true;
    const result = manager.get('a');
    const settled = expect(result).rejects.toBeInstanceOf(ProviderTimeoutError);
    await clock.advance(4_999);
    expect(provider.signals[0]?.aborted).toBe(false);
    await clock.advance(1);
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(provider.signals[0]?.reason).toBeInstanceOf(ProviderTimeoutError);
    expect(provider.calls).toHaveLength(2);
    await clock.advance(10_000);
    await settled;
    expect(provider.calls).toHaveLength(3);
    await expect(result).rejects.toThrow(/"a".*timed out after 5000 ms/);
  });

  it.each<{ name: string; error: Error }>([
    { name: 'permission denied', error: new PermissionDeniedError('app/db', 'fake') },
    { name: 'HTTP 404', error: new ProviderHttpError(404, 'not found', { path: 'app/db' }) },
  ])('surfaces a permanent error ($name) at once, without retrying', async ({ error }) => {
    const { provider, manager } = harness();
    provider.failure = error;
    const caught: unknown = await manager.get('app/db').catch((e: unknown) => e);
    expect(caught).toBe(error);
    expect(provider.calls).toHaveLength(1);
  });

  it('never lets a foreign error message (which may quote a value) escape', async () => {
    const { provider, manager, events } = harness();
    provider.failure = new SyntaxError('Unexpected token in JSON at "hunter2"');
    const error: unknown = await manager.get('app/db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect(errorText(error)).toContain('"app/db"');
    expect(errorText(error)).toContain('SyntaxError');
    expect(errorText(error)).not.toContain('hunter2');
    expect(classifyError(error)).toBe('permanent');
    expect(JSON.stringify(events)).not.toContain('hunter2');
    expect(provider.calls).toHaveLength(1);
  });

  it('serves a stale value on transient failure, up to maxStale past its TTL, then expires it', async () => {
    const { clock, provider, manager, events, names } = harness({
      defaultTtlMs: 1000,
      maxStaleMs: 1000,
      refreshFloorMs: 1_000_000, // keep background refreshes out of the way
    });
    provider.set('a', 'v1');
    const v1 = await manager.get('a');
    provider.failure = down();
    await clock.advance(1000);
    expect(await settle(clock, manager.get('a'))).toBe(v1);
    expect(provider.calls).toHaveLength(4);
    expect(events.at(-1)).toEqual([
      'stale-served',
      { path: 'a', version: v1.version, staleForMs: 0 },
    ]);
    // The last refresh failed transiently: later gets serve the stale value at once.
    await clock.advance(500);
    expect(await manager.get('a')).toBe(v1);
    expect(provider.calls).toHaveLength(4);
    expect(events.at(-1)).toEqual([
      'stale-served',
      { path: 'a', version: v1.version, staleForMs: 500 },
    ]);
    await clock.advance(500);
    expect(events.at(-1)).toEqual(['expired', { path: 'a', version: v1.version }]);
    // (By now the circuit is open too: 5 transient failures in a row.)
    await expect(settle(clock, manager.get('a'))).rejects.toThrow(/"a"/);
    expect(names().filter((n) => n === 'stale-served')).toHaveLength(2);
  });

  it('does not serve a stale value after a permanent failure', async () => {
    const { clock, provider, manager, names } = harness({
      defaultTtlMs: 1000,
      maxStaleMs: 10_000,
      refreshFloorMs: 1_000_000,
    });
    provider.set('a', 'v1');
    await manager.get('a');
    provider.failure = new PermissionDeniedError('a', 'fake');
    await clock.advance(1000);
    await expect(manager.get('a')).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(manager.peek('a')).toBeUndefined();
    expect(names()).toEqual(['refresh-failed', 'expired']);
  });

  it('a permanent background failure removes the stale grace but keeps the value while fresh', async () => {
    const { clock, provider, manager } = harness({
      defaultTtlMs: 100_000,
      maxStaleMs: 100_000,
    });
    provider.set('a', 'v1');
    const v1 = await manager.get('a');
    provider.failure = new PermissionDeniedError('a', 'fake');
    await clock.advance(70_000); // background refresh fails permanently
    expect(await manager.get('a')).toBe(v1);
    await clock.advance(30_000);
    expect(manager.peek('a')).toBeUndefined();
  });

  it('never serves a leased value past the lease, whatever maxStale says', async () => {
    const { clock, provider, manager, names } = harness({ maxStaleMs: 1_000_000 });
    provider.set('db', 'v1', { lease: { id: 'l', durationMs: 100_000, renewable: false } });
    const v1 = await manager.get('db');
    provider.failure = down();
    await clock.advance(99_999);
    expect(await manager.get('db')).toBe(v1);
    await clock.advance(1);
    expect(manager.peek('db')).toBeUndefined();
    const error: unknown = await settle(clock, manager.get('db')).catch((e: unknown) => e);
    expect(classifyError(error)).toBe('transient');
    expect(String(error)).toContain('"db"');
    expect(names()).toContain('expired');
    expect(names()).not.toContain('stale-served');
  });
});

describe('SecretsManager circuit breaker', () => {
  it('opens after 5 consecutive transient failures; serves the cache and fails misses fast', async () => {
    const { clock, provider, manager, names } = harness({ defaultTtlMs: 1_000_000 });
    provider.set('a', 'A');
    provider.set('b', 'B');
    const a = await manager.get('a');
    await manager.get('b');
    provider.failure = down();
    await expect(settle(clock, manager.refresh('a'))).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(names()).not.toContain('circuit-open');
    const second: unknown = await settle(clock, manager.refresh('b')).catch((e: unknown) => e);
    expect(provider.calls).toHaveLength(2 + 5); // the 6th attempt never reached the provider
    expect(second).toBeInstanceOf(CircuitOpenError);
    expect(names().filter((n) => n === 'circuit-open')).toHaveLength(1);
    expect(await manager.get('a')).toBe(a);
    const miss: unknown = await manager.get('c').catch((e: unknown) => e);
    expect(miss).toBeInstanceOf(CircuitOpenError);
    expect(classifyError(miss)).toBe('transient');
    expect(String(miss)).toMatch(/circuit for provider "fake" is open.*"c"/);
    expect(provider.calls).toHaveLength(7);
  });

  it('half-opens after the cooldown with one trial call, and closes on success', async () => {
    const { clock, provider, manager, events } = harness({
      circuit: { failureThreshold: 2, cooldownMs: 30_000 },
      retry: { attempts: 1 },
      refreshFloorMs: 1_000_000,
    });
    provider.failure = down();
    for (const p of ['x', 'y']) await manager.get(p).catch(() => undefined);
    expect(events.at(-1)?.[0]).toBe('refresh-failed');
    expect(events.map(([n]) => n)).toContain('circuit-open');
    await clock.advance(29_999);
    await expect(manager.get('x')).rejects.toBeInstanceOf(CircuitOpenError);
    expect(provider.calls).toHaveLength(2);
    await clock.advance(1);
    // The trial fails: the circuit reopens for another cooldown.
    await expect(manager.get('x')).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(provider.calls).toHaveLength(3);
    await expect(manager.get('x')).rejects.toBeInstanceOf(CircuitOpenError);
    await clock.advance(30_000);
    provider.failure = undefined;
    provider.set('x', 'X');
    provider.holding = true;
    const trial = manager.get('x');
    await clock.flush();
    // Only one trial call while half-open.
    await expect(manager.get('y')).rejects.toBeInstanceOf(CircuitOpenError);
    provider.release();
    expect((await trial).reveal()).toBe('X');
    expect(events.filter(([n]) => n.startsWith('circuit-')).map(([n]) => n)).toEqual([
      'circuit-open',
      'circuit-open',
      'circuit-closed',
    ]);
    expect(events.find(([n]) => n === 'circuit-closed')?.[1]).toEqual({ provider: 'fake' });
    provider.set('y', 'Y');
    expect((await manager.get('y')).reveal()).toBe('Y');
  });
});

describe('outage drill', () => {
  const options = {
    defaultTtlMs: 10_000, // maxStale defaults to one TTL: servable until t=20s
    refreshFloorMs: 1000,
    circuit: { failureThreshold: 5, cooldownMs: 5000 },
  };

  it('within the TTL and stale window: cached value served, nothing throws; provider back: recovers and rotates', async () => {
    const { clock, provider, manager, events, names } = harness(options);
    provider.set('db/password', 'old-password');
    const v1 = await manager.get('db/password');
    provider.failure = down();
    for (let t = 0; t < 12_000; t += 500) {
      await clock.advance(500);
      expect(await manager.get('db/password')).toBe(v1);
    }
    expect(names()).toContain('refresh-failed');
    expect(names()).toContain('circuit-open');
    expect(names()).toContain('stale-served');
    expect(names()).not.toContain('expired');

    provider.failure = undefined;
    provider.set('db/password', 'new-password');
    await clock.advance(6000); // past the cooldown: the next background refresh is the trial
    expect(names()).toContain('circuit-closed');
    const rotated = events.find(([n]) => n === 'rotated');
    expect(rotated?.[1]).toMatchObject({
      path: 'db/password',
      previous: { value: v1, version: v1.version },
    });
    const current = await manager.get('db/password');
    expect(current.reveal()).toBe('new-password');
    expect(rotated?.[1]).toMatchObject({ current: { value: current, version: current.version } });
    expect(names()).not.toContain('expired');
  });

  it('past maxStale: a clear error naming the path, never the value', async () => {
    const { clock, provider, manager, names } = harness(options);
    provider.set('db/password', 'old-password');
    await manager.get('db/password');
    provider.failure = down();
    await clock.advance(20_000);
    expect(names()).toContain('expired');
    const error: unknown = await settle(clock, manager.get('db/password')).catch((e: unknown) => e);
    expect(classifyError(error)).toBe('transient');
    expect(errorText(error)).toContain('"db/password"');
    expect(errorText(error)).not.toContain('old-password');
  });
});
