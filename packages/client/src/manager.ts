/**
 * `SecretsManager`: one cache in front of one `SecretProvider`, owning the whole lifecycle —
 * TTLs, refresh-ahead, single-flight, retries, the circuit breaker, stale fallback, rotation
 * events and watches. States and events are described in docs/client-cache.md.
 *
 * Contracts:
 * - At most one provider fetch per path is in flight; every caller of that path shares it.
 * - A `get` never waits while a fresh value is cached; background refreshes run beside it.
 * - A value is served stale only after a transient failure, only until `staleUntil`
 *   (`maxStaleMs` past its TTL), and never past its lease.
 * - `rotated` is emitted, synchronously, before any caller can observe the new value.
 * - Every timer goes through the injected clock; `close()` cancels all of them.
 * - Nothing here logs, emits or throws a secret value.
 */
import { EventEmitter } from 'node:events';
import { sleep, systemClock } from '@strongroom/protocol';
import type { Clock, Timer } from '@strongroom/protocol';
import {
  CircuitOpenError,
  ClientClosedError,
  ProviderTimeoutError,
  SecretFetchError,
  SecretsError,
  classifyError,
} from './errors.ts';
import type { ErrorClass } from './errors.ts';
import type { FetchedSecret, SecretData, SecretProvider } from './provider.ts';
import { LruMap } from './cache/lru.ts';
import { entryWindow, jitteredTtlMs, refreshDelayMs, resolveTtlMs } from './cache/timing.ts';
import { backoffDelayMs } from './lifetime/backoff.ts';
import { CircuitBreaker } from './lifetime/circuit-breaker.ts';
import { Secret } from './secret.ts';
import { resolveVersion } from './version.ts';

/** Per-path settings. A provider's TTL and a lease's duration take precedence over `ttlMs`. */
export interface PathOptions {
  readonly ttlMs?: number;
  readonly maxStaleMs?: number;
}

/** Structured logging. Fields name paths, versions and error classes, never values. */
export interface Logger {
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export interface SecretsManagerOptions {
  readonly provider: SecretProvider;
  /** Defaults to the system clock, whose timers never keep the process alive. */
  readonly clock?: Clock;
  /** TTL of a value that has no lease, no provider TTL and no per-path TTL. Default 5 min. */
  readonly defaultTtlMs?: number;
  /** Per-path settings, as a table keyed by exact path or as a function of the path. */
  readonly paths?:
    Readonly<Record<string, PathOptions>> | ((path: string) => PathOptions | undefined);
  /** Most entries kept; the least recently used is evicted beyond it. Default 1000. */
  readonly maxEntries?: number;
  /** Fraction of a static value's TTL after which it is refreshed in the background. 0.7. */
  readonly refreshAheadRatio?: number;
  /** Background refreshes (and retries of failed ones) never come sooner than this. 10 s. */
  readonly refreshFloorMs?: number;
  /** Static TTLs are shortened by a random fraction up to this ratio. Default 0.1. */
  readonly jitter?: number;
  /** Attempts per fetch and full-jitter exponential backoff between them. */
  readonly retry?: {
    readonly attempts?: number;
    readonly baseMs?: number;
    readonly capMs?: number;
  };
  /** Each provider call is aborted (through its signal) after this long. Default 5 s. */
  readonly attemptTimeoutMs?: number;
  /** How long past its TTL a value may be served on transient failure. Default: one TTL. */
  readonly maxStaleMs?: number;
  readonly circuit?: { readonly failureThreshold?: number; readonly cooldownMs?: number };
  /** Uniform draws in [0, 1) for jitter and backoff. Inject for deterministic tests. */
  readonly random?: () => number;
  readonly logger?: Logger;
}

export interface SecretVersionRef {
  readonly value: Secret;
  readonly version: string;
}

export interface RotatedEvent {
  readonly path: string;
  readonly previous: SecretVersionRef;
  readonly current: SecretVersionRef;
}

export interface RefreshFailedEvent {
  readonly path: string;
  /** A value-free error naming the path. */
  readonly error: Error;
  readonly class: ErrorClass;
}

export interface StaleServedEvent {
  readonly path: string;
  readonly version: string;
  /** How long past its TTL the served value is. */
  readonly staleForMs: number;
}

export interface ExpiredEvent {
  readonly path: string;
  readonly version: string;
}

export interface CircuitEvent {
  readonly provider: string;
}

/** Event name -> listener arguments. There is deliberately no `error` event: see #emit. */
export interface SecretsManagerEvents {
  rotated: [RotatedEvent];
  'refresh-failed': [RefreshFailedEvent];
  'stale-served': [StaleServedEvent];
  expired: [ExpiredEvent];
  'circuit-open': [CircuitEvent];
  'circuit-closed': [CircuitEvent];
}

interface Entry {
  readonly secret: Secret;
  readonly expiresAt: number;
  /** When the background refresh-ahead is due. */
  readonly refreshAt: number;
  /** Shrinks to `expiresAt` after a permanent failure: such a value gets no stale grace. */
  staleUntil: number;
  /** Class of the last failed refresh since this value was stored, if any. */
  failure: ErrorClass | undefined;
  unwatch: (() => void) | undefined;
  refreshTimer: Timer | undefined;
  expiryTimer: Timer | undefined;
  /**
   * Static values only: true until a timer at `expiresAt` clears it, so the hot path of `get`
   * needs no clock read. A late timer can keep a static value "fresh" a few milliseconds past
   * its TTL, which is harmless (a TTL is cache policy; stale values may be served anyway).
   * Leased values never use it: they are checked against the clock on every read, because a
   * lease is never served past its expiry.
   */
  fresh: boolean;
  freshTimer: Timer | undefined;
}

interface Flight {
  readonly controller: AbortController;
  /** Set by invalidate(): the result is still returned to its callers but not cached. */
  discarded: boolean;
}

interface InFlight extends Flight {
  readonly promise: Promise<Secret>;
}

interface Settings {
  readonly defaultTtlMs: number;
  readonly refreshAheadRatio: number;
  readonly refreshFloorMs: number;
  readonly jitter: number;
  readonly attempts: number;
  readonly baseMs: number;
  readonly capMs: number;
  readonly attemptTimeoutMs: number;
  readonly maxStaleMs: number | undefined;
}

export class SecretsManager extends EventEmitter<SecretsManagerEvents> {
  readonly #provider: SecretProvider;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger | undefined;
  readonly #paths: SecretsManagerOptions['paths'];
  readonly #settings: Settings;
  readonly #breaker: CircuitBreaker;
  readonly #entries: LruMap<string, Entry>;
  readonly #flights = new Map<string, InFlight>();
  #closing: Promise<void> | undefined;

  constructor(options: SecretsManagerOptions) {
    super();
    this.#provider = options.provider;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger;
    this.#paths = options.paths;
    this.#settings = {
      defaultTtlMs: options.defaultTtlMs ?? 300_000,
      refreshAheadRatio: options.refreshAheadRatio ?? 0.7,
      refreshFloorMs: options.refreshFloorMs ?? 10_000,
      jitter: options.jitter ?? 0.1,
      attempts: Math.max(1, options.retry?.attempts ?? 3),
      baseMs: options.retry?.baseMs ?? 100,
      capMs: options.retry?.capMs ?? 2000,
      attemptTimeoutMs: options.attemptTimeoutMs ?? 5000,
      maxStaleMs: options.maxStaleMs,
    };
    this.#entries = new LruMap(options.maxEntries ?? 1000);
    const provider = this.#provider.name;
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.circuit?.failureThreshold ?? 5,
      cooldownMs: options.circuit?.cooldownMs ?? 30_000,
      clock: this.#clock,
      onTransition: (state) => {
        if (state === 'open') this.#emit('circuit-open', { provider });
        else this.#emit('circuit-closed', { provider });
      },
    });
  }

  /**
   * The secret at `path`. Fresh cached values return at once (a background refresh may be
   * running). A stale value is refetched; if that fails transiently the stale value is served
   * (and `stale-served` emitted) while within its bounds. A stale value whose last refresh
   * already failed transiently is served at once while background retries continue.
   */
  get(path: string): Promise<Secret> {
    // Hot path, kept free of async machinery: a fresh static value costs one map lookup (its
    // freshness is a flag cleared by a timer); a leased value adds one clock read. Everything
    // else (closed, stale, missing) takes the slow path below.
    if (this.#closing === undefined) {
      const entry = this.#entries.get(path);
      if (entry !== undefined && (entry.fresh || this.#clock.now() < entry.expiresAt)) {
        return Promise.resolve(entry.secret);
      }
    }
    return this.#getSlow(path);
  }

  async #getSlow(path: string): Promise<Secret> {
    this.#assertOpen(path);
    const entry = this.#entries.peek(path);
    const now = this.#clock.now();
    if (entry !== undefined && now < entry.expiresAt) return entry.secret;
    if (entry !== undefined && now < entry.staleUntil && entry.failure === 'transient') {
      return this.#serveStale(path, entry);
    }
    try {
      return await this.#fetch(path);
    } catch (error) {
      const current = this.#entries.peek(path);
      if (
        current !== undefined &&
        classifyError(error) === 'transient' &&
        this.#clock.now() < current.staleUntil
      ) {
        return this.#serveStale(path, current);
      }
      throw error;
    }
  }

  /**
   * Ported-code convenience: `getSecret(path)` is `(await get(path)).reveal()`, for code written
   * against the common "provider + TTL cache + invalidate" shape that expects raw values.
   * Prefer `get`, which keeps the value wrapped (and redacted) until the point of use.
   */
  async getSecret(path: string): Promise<SecretData> {
    return (await this.get(path)).reveal();
  }

  /**
   * The cached secret at `path` if it may be served right now (fresh, or stale within its
   * bounds — check `expiresAt`), else undefined. Synchronous; never calls the provider, never
   * returns a value past its lease, does not count as a use for LRU eviction.
   */
  peek(path: string): Secret | undefined {
    if (this.#closing !== undefined) return undefined;
    const entry = this.#entries.peek(path);
    return entry !== undefined && this.#clock.now() < entry.staleUntil ? entry.secret : undefined;
  }

  /**
   * Fetches `path` now, whatever the cache holds, joining a fetch already in flight. Rejects on
   * failure (no stale fallback: the caller asked for a new value).
   */
  refresh(path: string): Promise<Secret> {
    return this.#fetch(path);
  }

  /**
   * Forgets `path`: drops the cached value, its timers and its watch. A fetch in flight still
   * answers its callers but its result is not cached, so the next `get` fetches anew.
   */
  invalidate(path: string): void {
    const flight = this.#flights.get(path);
    if (flight !== undefined) {
      flight.discarded = true;
      this.#flights.delete(path);
    }
    const entry = this.#entries.peek(path);
    if (entry !== undefined) {
      this.#entries.delete(path);
      this.#dispose(path, entry);
    }
  }

  /**
   * Releases everything: cancels timers and pending retries, aborts in-flight attempts,
   * unsubscribes watches, closes the provider. Idempotent. Afterwards `get` and `refresh` reject
   * with `ClientClosedError` and `peek` returns undefined.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const closed = new ClientClosedError();
    for (const flight of this.#flights.values()) flight.controller.abort(closed);
    this.#flights.clear();
    for (const entry of this.#entries.values()) this.#dispose(entry.secret.path, entry);
    this.#entries.clear();
    await this.#provider.close?.();
  }

  #assertOpen(path: string): void {
    if (this.#closing !== undefined) throw new ClientClosedError(path);
  }

  /** The single-flight gate: one provider fetch per path at a time. */
  #fetch(path: string): Promise<Secret> {
    if (this.#closing !== undefined) return Promise.reject(new ClientClosedError(path));
    const existing = this.#flights.get(path);
    if (existing !== undefined) return existing.promise;
    const flight: Flight = { controller: new AbortController(), discarded: false };
    const promise: Promise<Secret> = this.#fly(path, flight).finally(() => {
      if (this.#flights.get(path)?.promise === promise) this.#flights.delete(path);
    });
    this.#flights.set(path, Object.assign(flight, { promise }));
    return promise;
  }

  async #fly(path: string, flight: Flight): Promise<Secret> {
    let result: { fetched: FetchedSecret; fetchedAt: number };
    try {
      result = await this.#fetchWithRetry(path, flight.controller.signal);
    } catch (raw) {
      const error = this.#surface(path, raw, flight.controller.signal);
      if (this.#closing === undefined && !flight.discarded) this.#onFailure(path, error);
      throw error;
    }
    if (this.#closing !== undefined) throw new ClientClosedError(path);
    if (flight.discarded) return this.#build(path, result.fetched, result.fetchedAt).secret;
    return this.#store(path, result.fetched, result.fetchedAt);
  }

  /** Attempts with full-jitter backoff; each attempt asks the circuit breaker first. */
  async #fetchWithRetry(
    path: string,
    signal: AbortSignal,
  ): Promise<{ fetched: FetchedSecret; fetchedAt: number }> {
    const { attempts, baseMs, capMs } = this.#settings;
    for (let attempt = 0; ; attempt++) {
      if (!this.#breaker.tryAcquire()) throw new CircuitOpenError(this.#provider.name, path);
      const fetchedAt = this.#clock.now();
      try {
        const fetched = await this.#attempt(path, signal);
        this.#breaker.recordSuccess();
        return { fetched, fetchedAt };
      } catch (error) {
        if (signal.aborted) throw error;
        const errorClass = classifyError(error);
        // A permanent answer (not found, denied) still proves the provider is up.
        if (errorClass === 'transient') this.#breaker.recordFailure();
        else this.#breaker.recordSuccess();
        if (errorClass === 'permanent' || attempt + 1 >= attempts) throw error;
      }
      await sleep(this.#clock, backoffDelayMs(attempt, baseMs, capMs, this.#random()), signal);
    }
  }

  /**
   * One provider call, aborted through its signal after `attemptTimeoutMs` on the clock or when
   * the flight is aborted. Does not rely on the provider honouring the signal: the race settles
   * on abort either way.
   */
  async #attempt(path: string, parent: AbortSignal): Promise<FetchedSecret> {
    const { attemptTimeoutMs } = this.#settings;
    const controller = new AbortController();
    const timeout = new ProviderTimeoutError(path, this.#provider.name, attemptTimeoutMs);
    const timer = this.#clock.setTimer(() => {
      controller.abort(timeout);
    }, attemptTimeoutMs);
    const onAbort = (): void => {
      controller.abort(parent.reason);
    };
    parent.addEventListener('abort', onAbort, { once: true });
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener(
        'abort',
        () => {
          reject(controller.signal.reason as Error);
        },
        { once: true },
      );
    });
    try {
      const call = (async () => this.#provider.fetch(path, { signal: controller.signal }))();
      return await Promise.race([call, aborted]);
    } finally {
      timer.cancel();
      parent.removeEventListener('abort', onAbort);
    }
  }

  /** Turns whatever a fetch threw into a value-free error naming the path. */
  #surface(path: string, error: unknown, signal?: AbortSignal): SecretsError {
    if (signal?.reason instanceof ClientClosedError) {
      return new ClientClosedError(path);
    }
    if (error instanceof SecretsError) return error;
    return new SecretFetchError(path, this.#provider.name, classifyError(error), error);
  }

  /** After a failed fetch: tell listeners, and bound or retry the cached value. */
  #onFailure(path: string, error: SecretsError): void {
    const errorClass = classifyError(error);
    this.#emit('refresh-failed', { path, error, class: errorClass });
    const entry = this.#entries.peek(path);
    if (entry === undefined) return;
    entry.failure = errorClass;
    if (errorClass === 'permanent') {
      // Stale values are for outages, not for answers: no grace past the TTL.
      entry.staleUntil = Math.min(entry.staleUntil, entry.expiresAt);
      this.#armExpiry(path, entry);
      return;
    }
    // Try again in the background; never sooner than the floor nor the backoff cap, so even a
    // zero floor cannot turn an outage into a hot loop.
    const { refreshFloorMs, capMs } = this.#settings;
    this.#armRefresh(path, entry, this.#clock.now() + Math.max(refreshFloorMs, capMs, 1));
  }

  #serveStale(path: string, entry: Entry): Secret {
    const staleForMs = Math.max(0, this.#clock.now() - entry.expiresAt);
    this.#emit('stale-served', { path, version: entry.secret.version, staleForMs });
    return entry.secret;
  }

  #pathOptions(path: string): PathOptions | undefined {
    const paths = this.#paths;
    if (paths === undefined) return undefined;
    return typeof paths === 'function'
      ? paths(path)
      : Object.hasOwn(paths, path)
        ? paths[path]
        : undefined;
  }

  #build(
    path: string,
    fetched: FetchedSecret,
    fetchedAt: number,
  ): { secret: Secret; entry: Entry } {
    const s = this.#settings;
    const pathOptions = this.#pathOptions(path);
    const baseTtl = resolveTtlMs(fetched, pathOptions?.ttlMs, s.defaultTtlMs);
    const random01 = this.#random();
    const leased = fetched.lease !== undefined;
    const ttlMs = leased ? baseTtl : jitteredTtlMs(baseTtl, s.jitter, random01);
    const window = entryWindow({
      fetchedAt,
      ttlMs,
      maxStaleMs: pathOptions?.maxStaleMs ?? s.maxStaleMs ?? baseTtl,
      leaseMs: fetched.lease?.durationMs,
    });
    const secret = new Secret({
      path,
      value: fetched.value,
      version: resolveVersion(fetched.value, fetched.version),
      lease: fetched.lease,
      fetchedAt,
      expiresAt: window.expiresAt,
    });
    const refreshAt =
      fetchedAt +
      refreshDelayMs({
        ttlMs,
        leased,
        refreshAheadRatio: s.refreshAheadRatio,
        floorMs: s.refreshFloorMs,
        random01,
      });
    const entry: Entry = {
      secret,
      expiresAt: window.expiresAt,
      refreshAt,
      staleUntil: window.staleUntil,
      failure: undefined,
      unwatch: undefined,
      refreshTimer: undefined,
      expiryTimer: undefined,
      fresh: false,
      freshTimer: undefined,
    };
    return { secret, entry };
  }

  /** Caches a fetched (or pushed) value, re-arms its timers, and announces a rotation. */
  #store(path: string, fetched: FetchedSecret, fetchedAt: number): Secret {
    const { secret, entry } = this.#build(path, fetched, fetchedAt);
    const previous = this.#entries.peek(path);
    if (previous !== undefined) {
      previous.refreshTimer?.cancel();
      previous.expiryTimer?.cancel();
      previous.freshTimer?.cancel();
      previous.fresh = false;
      entry.unwatch = previous.unwatch;
    }
    for (const [evictedPath, evicted] of this.#entries.set(path, entry)) {
      this.#dispose(evictedPath, evicted);
    }
    this.#armRefresh(path, entry, entry.refreshAt);
    this.#armExpiry(path, entry);
    this.#armFreshness(entry);
    if (previous === undefined) entry.unwatch = this.#watch(path);
    if (previous !== undefined && previous.secret.version !== secret.version) {
      this.#emit('rotated', {
        path,
        previous: { value: previous.secret, version: previous.secret.version },
        current: { value: secret, version: secret.version },
      });
    }
    return secret;
  }

  #armRefresh(path: string, entry: Entry, at: number): void {
    entry.refreshTimer?.cancel();
    entry.refreshTimer = this.#clock.setTimer(
      () => {
        entry.refreshTimer = undefined;
        // Failures are reported through refresh-failed by the flight itself.
        this.#fetch(path).catch(() => undefined);
      },
      Math.max(0, at - this.#clock.now()),
    );
  }

  #armFreshness(entry: Entry): void {
    const delay = entry.expiresAt - this.#clock.now();
    if (entry.secret.lease !== undefined || delay <= 0) return;
    entry.fresh = true;
    entry.freshTimer = this.#clock.setTimer(() => {
      entry.freshTimer = undefined;
      entry.fresh = false;
    }, delay);
  }

  /** At `staleUntil` the value can no longer be served at all: drop it and say so. */
  #armExpiry(path: string, entry: Entry): void {
    entry.expiryTimer?.cancel();
    entry.expiryTimer = undefined;
    const delay = entry.staleUntil - this.#clock.now();
    if (delay <= 0) {
      this.#expire(path, entry);
      return;
    }
    entry.expiryTimer = this.#clock.setTimer(() => {
      entry.expiryTimer = undefined;
      this.#expire(path, entry);
    }, delay);
  }

  #expire(path: string, entry: Entry): void {
    if (this.#entries.peek(path) !== entry) return;
    this.#entries.delete(path);
    this.#dispose(path, entry);
    this.#emit('expired', { path, version: entry.secret.version });
  }

  #watch(path: string): (() => void) | undefined {
    const watch = this.#provider.watch?.bind(this.#provider);
    if (watch === undefined) return undefined;
    try {
      return watch(path, (update) => {
        if (this.#closing !== undefined || this.#entries.peek(path) === undefined) return;
        if ('error' in update) {
          const error = this.#surface(path, update.error);
          this.#emit('refresh-failed', { path, error, class: classifyError(error) });
          return;
        }
        this.#store(path, update, this.#clock.now());
      });
    } catch (error) {
      this.#logger?.warn('watch failed; relying on refresh-ahead', {
        path,
        provider: this.#provider.name,
        error: error instanceof Error ? error.name : typeof error,
      });
      return undefined;
    }
  }

  /** Releases an entry's timers and watch. The caller removes it from the map. */
  #dispose(path: string, entry: Entry): void {
    entry.refreshTimer?.cancel();
    entry.expiryTimer?.cancel();
    entry.freshTimer?.cancel();
    entry.refreshTimer = undefined;
    entry.expiryTimer = undefined;
    entry.freshTimer = undefined;
    entry.fresh = false;
    const unwatch = entry.unwatch;
    entry.unwatch = undefined;
    try {
      unwatch?.();
    } catch {
      this.#logger?.warn('unwatch failed', { path, provider: this.#provider.name });
    }
  }

  /**
   * Emits without letting a listener's exception escape into the cache's own bookkeeping.
   * (None of these events is named `error`, so an event without listeners is simply dropped.)
   */
  #emit<K extends keyof SecretsManagerEvents>(event: K, ...args: SecretsManagerEvents[K]): void {
    try {
      // The typed `emit` does not accept a generic key; this method's signature types the call.
      (this as unknown as EventEmitter).emit(event, ...args);
    } catch (error) {
      this.#logger?.warn('event listener threw', {
        event,
        error: error instanceof Error ? error.name : typeof error,
      });
    }
  }
}
