/**
 * A scriptable in-memory `SecretProvider` for the manager's tests. It implements the real
 * interface and honours the abort signal, as a real provider must.
 */
import { SecretNotFoundError } from './errors.ts';
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
  /** When set, every fetch rejects with it (a function is called per fetch). */
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
    if (this.failure !== undefined) {
      throw typeof this.failure === 'function' ? (this.failure as () => unknown)() : this.failure;
    }
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
