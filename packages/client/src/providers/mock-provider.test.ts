import { ManualClock } from '@strongroom/protocol';
import { describe, expect, it } from 'vitest';
import {
  PermissionDeniedError,
  ProviderHttpError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  SecretNotFoundError,
  classifyError,
} from '../errors.ts';
import type { FetchedSecret, WatchCallback } from '../provider.ts';
import { MockProvider } from './mock-provider.ts';
import type { MockFailureKind } from './mock-provider.ts';

const opts = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

function setup(options: ConstructorParameters<typeof MockProvider>[0] = {}): {
  clock: ManualClock;
  mock: MockProvider;
} {
  const clock = new ManualClock();
  return { clock, mock: new MockProvider({ clock, ...options }) };
}

describe('MockProvider values', () => {
  it('derives stable values from seed, path and rotation', async () => {
    const a = setup({ seed: 's1' }).mock;
    const b = setup({ seed: 's1' }).mock;
    const c = setup({ seed: 's2' }).mock;
    const first = await a.fetch('db/creds', opts());
    expect(first.version).toBe('1');
    expect(Object.keys(first.value)).toEqual(['username', 'password']);
    expect(await b.fetch('db/creds', opts())).toEqual(first);
    expect((await c.fetch('db/creds', opts())).value).not.toEqual(first.value);
    expect((await a.fetch('other', opts())).value).not.toEqual(first.value);
    expect(Object.isFrozen(first.value)).toBe(true);
  });

  it('pins derived values across runs (a change here breaks every seeded fixture)', async () => {
    const { mock } = setup({ seed: 'fixture', shape: 'string' });
    const { value } = await mock.fetch('a', opts());
    // sha256("fixture\0a\00\0") truncated to 32 hex digits.
    expect(value).toBe('751aabb449830f594b09014192a6365d');
  });

  it('supports custom fields and fixed values', async () => {
    const { mock } = setup({ fields: ['token'], values: { fixed: 'literal', obj: { k: 'v' } } });
    expect(Object.keys((await mock.fetch('x', opts())).value)).toEqual(['token']);
    expect(await mock.fetch('fixed', opts())).toEqual({ value: 'literal', version: '1' });
    expect((await mock.fetch('obj', opts())).value).toEqual({ k: 'v' });
  });

  it('restricts existence to `paths` and `values` when `paths` is set', async () => {
    const { mock } = setup({ paths: ['known'], values: { fixed: 'x' } });
    await mock.fetch('known', opts());
    await mock.fetch('fixed', opts());
    await expect(mock.fetch('unknown', opts())).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(mock.log.map((e) => e.outcome)).toEqual(['ok', 'ok', 'not_found']);
  });

  it('rotates: new value and version, pushed to watchers', async () => {
    const { mock } = setup();
    const before = await mock.fetch('db', opts());
    const pushes: Parameters<WatchCallback>[0][] = [];
    const stop = mock.watch('db', (u) => pushes.push(u));
    const rotated = mock.rotate('db');
    expect(rotated.version).toBe('2');
    expect(rotated.value).not.toEqual(before.value);
    expect(pushes).toEqual([rotated]);
    expect(await mock.fetch('db', opts())).toEqual(rotated);
    mock.setValue('db', 'explicit');
    expect(pushes[1]).toEqual({ value: 'explicit', version: '3' });
    expect(mock.peek('db')).toEqual({ value: 'explicit', version: '3' });
    stop();
    mock.rotate('db');
    expect(pushes).toHaveLength(2);
    expect(mock.watcherCount()).toBe(0);
  });

  it('removes a path: not found, watchers get the error, rotate brings it back', async () => {
    const { mock } = setup();
    const pushes: Parameters<WatchCallback>[0][] = [];
    mock.watch('db', (u) => pushes.push(u));
    mock.remove('db');
    expect(mock.peek('db')).toBeUndefined();
    await expect(mock.fetch('db', opts())).rejects.toBeInstanceOf(SecretNotFoundError);
    expect((pushes[0] as { error: unknown }).error).toBeInstanceOf(SecretNotFoundError);
    mock.rotate('db');
    expect((await mock.fetch('db', opts())).version).toBe('2');
    const error = new Error('stream broke');
    mock.pushError('db', error);
    expect(pushes[2]).toEqual({ error });
  });

  it('reports ttl and lease metadata, per path over the defaults', async () => {
    const { mock } = setup({ ttlMs: 60_000 });
    expect((await mock.fetch('a', opts())).ttlMs).toBe(60_000);
    mock.setTtl('a', 5_000);
    expect((await mock.fetch('a', opts())).ttlMs).toBe(5_000);
    mock.setLease('a', { durationMs: 30_000, renewable: true });
    const first = await mock.fetch('a', opts());
    const second = await mock.fetch('a', opts());
    expect(first.ttlMs).toBeUndefined();
    expect(first.lease).toEqual({ id: 'mock/a/1', durationMs: 30_000, renewable: true });
    expect(second.lease?.id).toBe('mock/a/2');
    mock.setLease('a', { id: 'fixed-id', durationMs: 1, renewable: false });
    expect((await mock.fetch('a', opts())).lease?.id).toBe('fixed-id');
    mock.setLease('a', undefined);
    mock.setTtl('a', undefined);
    expect((await mock.fetch('a', opts())).ttlMs).toBe(60_000);
  });
});

describe('MockProvider latency', () => {
  it('waits on the injected clock and logs start and settle times', async () => {
    const { clock, mock } = setup({ latencyMs: 100 });
    const start = clock.now();
    let result: FetchedSecret | undefined;
    const pending = mock.fetch('a', opts()).then((r) => (result = r));
    await clock.advance(99);
    expect(result).toBeUndefined();
    expect(mock.inFlight('a')).toBe(1);
    expect(mock.log[0]).toMatchObject({ time: start, path: 'a', outcome: 'pending' });
    await clock.advance(1);
    await pending;
    expect(result?.version).toBe('1');
    expect(mock.log[0]).toEqual({ time: start, path: 'a', outcome: 'ok', settledAt: start + 100 });
    expect(mock.inFlight()).toBe(0);
  });

  it('applies per-path and one-shot latency, one-shots first', async () => {
    const { clock, mock } = setup({ latencyMs: 10 });
    mock.setLatency(50, 'slow');
    mock.delayNext(500, { path: 'slow' });
    const settled: string[] = [];
    const run = (path: string, tag: string): Promise<void> =>
      mock.fetch(path, opts()).then(() => {
        settled.push(`${tag}@${clock.now() - start}`);
      });
    const start = clock.now();
    const all = Promise.all([run('slow', 'once'), run('slow', 'path'), run('fast', 'global')]);
    await clock.advance(1000);
    await all;
    expect(settled).toEqual(['global@10', 'path@50', 'once@500']);
  });

  it('honours the abort signal during latency and leaves no timer behind', async () => {
    const { clock, mock } = setup({ latencyMs: 1000 });
    const controller = new AbortController();
    const pending = mock.fetch('a', { signal: controller.signal });
    await clock.advance(10);
    const reason = new ProviderTimeoutError('a', 'mock', 10);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(mock.log[0]?.outcome).toBe('aborted');
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { mock } = setup();
    const controller = new AbortController();
    controller.abort(new Error('no'));
    await expect(mock.fetch('a', { signal: controller.signal })).rejects.toThrow('no');
    expect(mock.log[0]?.outcome).toBe('aborted');
  });

  it("'hang' settles only when the signal aborts", async () => {
    const { clock, mock } = setup();
    mock.failNext('hang');
    const controller = new AbortController();
    let settled = false;
    const pending = mock.fetch('a', { signal: controller.signal }).finally(() => (settled = true));
    await clock.advance(3_600_000);
    expect(settled).toBe(false);
    const reason = new Error('timeout');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect((await mock.fetch('a', opts())).version).toBe('1');
  });

  it('close() fails in-flight and later fetches and drops watchers', async () => {
    const { clock, mock } = setup({ latencyMs: 100 });
    mock.watch('a', () => undefined);
    const pending = mock.fetch('a', opts());
    await clock.flush();
    mock.close();
    await expect(pending).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(mock.fetch('a', opts())).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(mock.log.map((e) => e.outcome)).toEqual(['closed', 'closed']);
    expect(mock.watcherCount()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('MockProvider failures', () => {
  const cases: [MockFailureKind, 'transient' | 'permanent', new (...args: never[]) => Error][] = [
    ['timeout', 'transient', ProviderTimeoutError],
    ['connection_refused', 'transient', ProviderUnavailableError],
    ['http_500', 'transient', ProviderHttpError],
    ['http_503', 'transient', ProviderHttpError],
    ['http_429', 'transient', ProviderHttpError],
    ['not_found', 'permanent', SecretNotFoundError],
    ['permission_denied', 'permanent', PermissionDeniedError],
    ['http_400', 'permanent', ProviderHttpError],
  ];

  it.each(cases)('%s is %s (%o)', async (kind, errorClass, type) => {
    const { mock } = setup();
    mock.failNext(kind);
    const error: unknown = await mock.fetch('a', opts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(classifyError(error)).toBe(errorClass);
    expect(mock.log[0]?.outcome).toBe(kind);
    expect((await mock.fetch('a', opts())).version).toBe('1');
  });

  it('failNext counts, filters by path and runs in order', async () => {
    const { mock } = setup();
    mock.failNext('http_503', { path: 'a', count: 2 });
    mock.failNext('http_429');
    await expect(mock.fetch('b', opts())).rejects.toMatchObject({ status: 429 });
    await expect(mock.fetch('b', opts())).resolves.toBeDefined();
    await expect(mock.fetch('a', opts())).rejects.toMatchObject({ status: 503 });
    await expect(mock.fetch('a', opts())).rejects.toMatchObject({ status: 503 });
    await expect(mock.fetch('a', opts())).resolves.toBeDefined();
    expect(mock.fetchCount()).toBe(5);
    expect(mock.fetchCount('a')).toBe(3);
    expect(() => mock.failNext('timeout', { count: 0 })).toThrow(RangeError);
  });

  it('setFailure persists until clearFailure; one-shots take precedence', async () => {
    const { mock } = setup();
    mock.setFailure('a', 'permission_denied');
    await expect(mock.fetch('a', opts())).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(mock.fetch('a', opts())).rejects.toBeInstanceOf(PermissionDeniedError);
    mock.failNext('timeout', { path: 'a' });
    await expect(mock.fetch('a', opts())).rejects.toBeInstanceOf(ProviderTimeoutError);
    await expect(mock.fetch('b', opts())).resolves.toBeDefined();
    mock.clearFailure('a');
    await expect(mock.fetch('a', opts())).resolves.toBeDefined();
  });

  it('failures still take the scripted latency', async () => {
    const { clock, mock } = setup({ latencyMs: 200 });
    mock.failNext('http_503');
    const pending = mock.fetch('a', opts());
    const rejected = expect(pending).rejects.toBeInstanceOf(ProviderHttpError);
    await clock.advance(200);
    await rejected;
    expect(mock.log[0]?.settledAt).toBe((mock.log[0]?.time ?? 0) + 200);
  });

  it('setDown fails everything until setUp, over every other script', async () => {
    const { mock } = setup();
    mock.setDown();
    expect(mock.isDown).toBe(true);
    await expect(mock.fetch('a', opts())).rejects.toBeInstanceOf(ProviderUnavailableError);
    mock.setDown('http_503');
    await expect(mock.fetch('b', opts())).rejects.toMatchObject({ status: 503 });
    mock.setUp();
    await expect(mock.fetch('a', opts())).resolves.toBeDefined();
    mock.setDown('timeout');
    mock.setFailure('a', 'http_400');
    mock.failNext('http_429');
    mock.clearFailures();
    await expect(mock.fetch('a', opts())).resolves.toBeDefined();
  });

  it('errors never carry values', async () => {
    const { mock } = setup({ values: { a: 'hunter2' } });
    for (const kind of cases.map(([k]) => k)) {
      mock.failNext(kind);
      const error = (await mock.fetch('a', opts()).catch((e: unknown) => e)) as Error;
      expect(`${error.message} ${String(error.cause)}`).not.toContain('hunter2');
    }
  });

  it('clearLog empties the log', async () => {
    const { mock } = setup();
    await mock.fetch('a', opts());
    mock.clearLog();
    expect(mock.log).toEqual([]);
  });
});
