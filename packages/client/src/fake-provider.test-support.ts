/**
 * A scriptable in-memory `SecretProvider` for the manager's tests. It implements the real
 * interface and honours the abort signal, as a real provider must.
 */
import type { EventEmitter } from 'node:events';
import { ManualClock } from '@strongroom/protocol';
import { SecretNotFoundError } from './errors.ts';
import { SecretsManager } from './manager.ts';
import type { SecretsManagerEvents, SecretsManagerOptions } from './manager.ts';
import type { FetchedSecret, FetchOptions, SecretProvider, WatchCallback } from './provider.ts';

export class FakeProvider implements SecretProvider {
  readonly name = 'fake';
  /** What each path returns. A missing path is "not found". */
  readonly values = new Map<string, FetchedSecret>();
  /** Paths fetched, in call order. */
  readonly calls: string[] = [];
  /** Every signal passed to fetch, in call order. */
  readonly signals: AbortSignal[] = [];
  readonly watchers = new Map<string, Set<WatchCallback>>();
  watchCalls = 0;
  closed = false;
  /** Failures for the next fetches, consumed one per fetch before `failure` is consulted. */
  readonly failures: unknown[] = [];
  /** When set, every fetch rejects with it. */
  failure: unknown = undefined;
  /** When true, fetches wait until `release()` (or their signal aborts). */
  holding = false;
  readonly #held: (() => void)[] = [];

  set(path: string, value: FetchedSecret['value'], extra: Omit<FetchedSecret, 'value'> = {}): void {
    this.values.set(path, { value, ...extra });
  }

  async fetch(path: string, options: FetchOptions): Promise<FetchedSecret> {
    this.calls.push(path);
    this.signals.push(options.signal);
    if (this.holding) {
      await new Promise<void>((resolve, reject) => {
        this.#held.push(resolve);
        options.signal.addEventListener(
          'abort',
          () => {
            reject(options.signal.reason as Error);
          },
          { once: true },
        );
      });
    }
    const next = this.failures.shift();
    if (next !== undefined) throw next as Error;
    if (this.failure !== undefined) throw this.failure as Error;
    const value = this.values.get(path);
    if (value === undefined) throw new SecretNotFoundError(path, this.name);
    return value;
  }

  /** Lets every held fetch continue. */
  release(): void {
    this.holding = false;
    for (const resume of this.#held.splice(0)) resume();
  }

  callsTo(path: string): number {
    return this.calls.filter((p) => p === path).length;
  }

  watch(path: string, callback: WatchCallback): () => void {
    this.watchCalls++;
    const set = this.watchers.get(path) ?? new Set();
    set.add(callback);
    this.watchers.set(path, set);
    return () => {
      set.delete(callback);
      if (set.size === 0) this.watchers.delete(path);
    };
  }

  /** Simulates the source changing: notifies every watcher of `path`. */
  push(path: string, update: FetchedSecret | { readonly error: unknown }): void {
    for (const callback of this.watchers.get(path) ?? []) callback(update);
  }

  close(): void {
    this.closed = true;
  }
}

/** A fixed sequence of draws, repeating its last one. */
export function draws(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

export type RecordedEvent = {
  [K in keyof SecretsManagerEvents]: [K, ...SecretsManagerEvents[K]];
}[keyof SecretsManagerEvents];

export interface Harness {
  readonly clock: ManualClock;
  readonly provider: FakeProvider;
  readonly manager: SecretsManager;
  /** Every event the manager emitted, in order. */
  readonly events: RecordedEvent[];
  /** The names of the recorded events, in order. */
  readonly names: () => string[];
}

const EVENT_NAMES = [
  'rotated',
  'refresh-failed',
  'stale-served',
  'expired',
  'circuit-open',
  'circuit-closed',
] as const;

/**
 * A manager over a FakeProvider on a ManualClock at t=0, with no jitter and zero backoff unless
 * the options say otherwise, recording every event.
 */
export function harness(options: Partial<SecretsManagerOptions> = {}): Harness {
  const clock = new ManualClock(0);
  const provider = new FakeProvider();
  const manager = new SecretsManager({ provider, clock, jitter: 0, random: () => 0, ...options });
  const events: RecordedEvent[] = [];
  for (const name of EVENT_NAMES) {
    (manager as unknown as EventEmitter).on(name, (payload: unknown) => {
      events.push([name, payload] as RecordedEvent);
    });
  }
  return { clock, provider, manager, events, names: () => events.map(([name]) => name) };
}

/**
 * Awaits `promise` while letting the manual clock fire what is due now (zero-delay backoff
 * timers), so a fetch with retries can finish without moving time.
 */
export async function settle<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  const outcome = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await clock.advance(0);
  const result = await outcome;
  if (result.ok) return result.value;
  throw result.error;
}
