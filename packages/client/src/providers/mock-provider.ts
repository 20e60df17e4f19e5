/**
 * MockProvider: a scriptable, deterministic provider for local development and tests.
 *
 * Values are derived from a seed, the path and the path's rotation counter, so the same seed
 * gives the same values on every run and machine. Latency runs on the injected `Clock` (a
 * `ManualClock` in tests: no real waiting) and honours the fetch's AbortSignal. Failures of
 * every class, whole-provider outages, rotations, TTLs, leases and watch pushes are scriptable.
 *
 * Every fetch attempt is logged when it starts (outcome `'pending'`) and its entry is updated
 * in place when it settles, so a test can count attempts that are still in flight (single-flight
 * checks) as well as finished ones.
 *
 * Scheduling contract: the outcome of an attempt (value or failure) and its latency are decided
 * when the attempt starts. A rotation during the latency therefore does not change what that
 * attempt returns; the rotation reaches watchers instead, as a real change stream would.
 */
import { createHash } from 'node:crypto';
import { systemClock } from '@strongroom/protocol';
import type { Clock, Timer } from '@strongroom/protocol';
import {
  PermissionDeniedError,
  ProviderHttpError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  SecretNotFoundError,
} from '../errors.ts';
import type {
  FetchOptions,
  FetchedSecret,
  Lease,
  SecretData,
  SecretProvider,
  WatchCallback,
} from '../provider.ts';

/**
 * A scripted failure. Transient: `timeout`, `connection_refused`, `http_500`, `http_503`,
 * `http_429`. Permanent: `not_found`, `permission_denied`, `http_400`. `hang` never answers:
 * the attempt settles only when its signal aborts (or the provider closes), with that reason,
 * which is how a caller's per-attempt timeout is exercised.
 */
export type MockFailureKind =
  | 'timeout'
  | 'connection_refused'
  | 'http_500'
  | 'http_503'
  | 'http_429'
  | 'not_found'
  | 'permission_denied'
  | 'http_400'
  | 'hang';

/**
 * How a logged attempt ended: `'ok'`, a failure kind (scripted, or `not_found` for a path that
 * does not exist), `'aborted'` (the caller's signal), `'closed'` (the provider closed), or
 * `'pending'` while in flight.
 */
export type MockFetchOutcome = 'pending' | 'ok' | 'aborted' | 'closed' | MockFailureKind;

export interface MockFetchLogEntry {
  /** Clock time when the attempt started. */
  readonly time: number;
  readonly path: string;
  /** Updated in place when the attempt settles. */
  readonly outcome: MockFetchOutcome;
  /** Clock time when the attempt settled; undefined while pending. */
  readonly settledAt: number | undefined;
}

/** Lease metadata to attach to a path's values. Without `id`, each value gets a fresh id. */
export interface MockLeaseOptions {
  readonly id?: string;
  readonly durationMs: number;
  readonly renewable: boolean;
}

export interface MockProviderOptions {
  /** Seed of the derived values; default `"strongroom"`. Same seed, same values. */
  readonly seed?: string;
  /** Clock for latency and log times; default the system clock. */
  readonly clock?: Clock;
  /** Provider name in events and errors; default `"mock"`. */
  readonly name?: string;
  /** Shape of derived values: a JSON object of `fields` (default) or a 32-hex-digit string. */
  readonly shape?: 'json' | 'string';
  /** Fields of a derived JSON value; default `["username", "password"]`. */
  readonly fields?: readonly string[];
  /** Fixed initial values per path (version `"1"`); they exist even when `paths` is set. */
  readonly values?: Readonly<Record<string, SecretData>>;
  /** When set, only these paths (and those in `values`) exist; others are not found. */
  readonly paths?: readonly string[];
  /** Latency of every attempt, in clock milliseconds; default 0. */
  readonly latencyMs?: number;
  /** TTL reported for every path without its own; omitted by default. */
  readonly ttlMs?: number;
  /** Lease reported for every path without its own; none by default. */
  readonly lease?: MockLeaseOptions;
}

/** Options of the one-shot scripting methods. */
export interface MockNextOptions {
  /** Only attempts on this path consume the script; default any path. */
  readonly path?: string;
  /** How many attempts it applies to; default 1. */
  readonly count?: number;
}

interface LogEntry {
  time: number;
  path: string;
  outcome: MockFetchOutcome;
  settledAt: number | undefined;
}

interface PathState {
  rotation: number;
  fixed: SecretData | undefined;
  /** Explicit existence; undefined means "as the options say". */
  present: boolean | undefined;
  failure: MockFailureKind | undefined;
  latencyMs: number | undefined;
  ttlMs: number | undefined;
  lease: MockLeaseOptions | undefined;
}

interface OneShot<T> {
  readonly path: string | undefined;
  readonly item: T;
  remaining: number;
}

const HTTP_STATUS = {
  http_500: 500,
  http_503: 503,
  http_429: 429,
  http_400: 400,
} as const;

export class MockProvider implements SecretProvider {
  readonly name: string;
  readonly #seed: string;
  readonly #clock: Clock;
  readonly #shape: 'json' | 'string';
  readonly #fields: readonly string[];
  readonly #paths: ReadonlySet<string> | undefined;
  readonly #ttlMs: number | undefined;
  readonly #lease: MockLeaseOptions | undefined;
  #latencyMs: number;
  #down: MockFailureKind | undefined;
  #closed = false;
  #leaseCounter = 0;
  readonly #state = new Map<string, PathState>();
  readonly #log: LogEntry[] = [];
  readonly #failNext: OneShot<MockFailureKind>[] = [];
  readonly #delayNext: OneShot<number>[] = [];
  readonly #watchers = new Map<string, Set<WatchCallback>>();
  /** Rejecters of in-flight waits, called by `close()`. */
  readonly #waiters = new Set<(error: Error) => void>();

  constructor(options: MockProviderOptions = {}) {
    this.name = options.name ?? 'mock';
    this.#seed = options.seed ?? 'strongroom';
    this.#clock = options.clock ?? systemClock;
    this.#shape = options.shape ?? 'json';
    this.#fields = options.fields ?? ['username', 'password'];
    this.#paths = options.paths === undefined ? undefined : new Set(options.paths);
    this.#latencyMs = checkMs(options.latencyMs ?? 0, 'latencyMs');
    this.#ttlMs = options.ttlMs;
    this.#lease = options.lease;
    for (const [path, value] of Object.entries(options.values ?? {})) {
      const state = this.#stateOf(path);
      state.fixed = freezeCopy(value);
      state.present = true;
    }
  }

  // --- SecretProvider -------------------------------------------------------------------------

  async fetch(path: string, options: FetchOptions): Promise<FetchedSecret> {
    const entry: LogEntry = {
      time: this.#clock.now(),
      path,
      outcome: 'pending',
      settledAt: undefined,
    };
    this.#log.push(entry);
    const { signal } = options;
    try {
      if (this.#closed) throw this.#closedError();
      signal.throwIfAborted();
      const failure = this.#pickFailure(path);
      const latencyMs = this.#pickLatency(path);
      const result = failure === undefined ? this.#snapshot(path) : undefined;

      if (failure === 'hang') {
        await this.#wait(undefined, signal);
      } else if (latencyMs > 0) {
        await this.#wait(latencyMs, signal);
      }
      // `hang` never gets here: its wait only ever rejects.
      if (failure !== undefined && failure !== 'hang') {
        throw this.#failureError(failure, path, latencyMs);
      }
      if (result === undefined) throw new SecretNotFoundError(path, this.name);
      entry.outcome = 'ok';
      return result;
    } catch (error) {
      entry.outcome = this.#outcomeOf(error, signal);
      throw error;
    } finally {
      entry.settledAt = this.#clock.now();
    }
  }

  /**
   * Registers `callback` for pushes on `path`: `rotate`/`setValue` push the new value, `remove`
   * pushes `{ error: SecretNotFoundError }`, `pushError` pushes its error. Pushes are delivered
   * synchronously, inside the scripting call, so tests need no waiting.
   */
  watch(path: string, callback: WatchCallback): () => void {
    if (this.#closed) return () => undefined;
    let set = this.#watchers.get(path);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(path, set);
    }
    // Wrap so the same callback registered twice is two independent subscriptions.
    const subscription: WatchCallback = (update) => {
      callback(update);
    };
    set.add(subscription);
    return () => {
      const current = this.#watchers.get(path);
      current?.delete(subscription);
      if (current?.size === 0) this.#watchers.delete(path);
    };
  }

  /** Drops all watchers and fails in-flight and later fetches with `ProviderUnavailableError`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchers.clear();
    const error = this.#closedError();
    for (const reject of [...this.#waiters]) reject(error);
    this.#waiters.clear();
  }

  // --- Values, rotations, metadata -------------------------------------------------------------

  /**
   * Rotates `path`: bumps its version and, without `value`, derives a new value from the next
   * rotation counter (dropping any fixed value); with `value`, that becomes the fixed value.
   * The path exists afterwards. Pushes the new value to watchers and returns it.
   */
  rotate(path: string, value?: SecretData): FetchedSecret {
    const state = this.#stateOf(path);
    state.rotation++;
    state.fixed = value === undefined ? undefined : freezeCopy(value);
    state.present = true;
    const secret = this.#snapshot(path);
    if (secret === undefined) throw new Error('unreachable: a rotated path exists');
    this.#push(path, secret);
    return secret;
  }

  /** Sets a fixed value (a rotation to `value`: version bump and push). */
  setValue(path: string, value: SecretData): FetchedSecret {
    return this.rotate(path, value);
  }

  /** Deletes `path`: later fetches are not found, and watchers get `{ error }`. */
  remove(path: string): void {
    const state = this.#stateOf(path);
    state.present = false;
    state.fixed = undefined;
    this.#push(path, { error: new SecretNotFoundError(path, this.name) });
  }

  /** Pushes `{ error }` to the watchers of `path` (a broken change stream, say). */
  pushError(path: string, error: unknown): void {
    this.#push(path, { error });
  }

  /** TTL reported for `path`; undefined falls back to the `ttlMs` option. */
  setTtl(path: string, ttlMs: number | undefined): void {
    this.#stateOf(path).ttlMs = ttlMs === undefined ? undefined : checkMs(ttlMs, 'ttlMs');
  }

  /** Lease reported for `path`; undefined falls back to the `lease` option. */
  setLease(path: string, lease: MockLeaseOptions | undefined): void {
    this.#stateOf(path).lease = lease;
  }

  /** The current value and version of `path` without logging an attempt; undefined if absent. */
  peek(path: string): { readonly value: SecretData; readonly version: string } | undefined {
    if (!this.#exists(path)) return undefined;
    return { value: this.#valueOf(path), version: this.#versionOf(path) };
  }

  // --- Latency ---------------------------------------------------------------------------------

  /** Latency of every attempt on `path`, or of all paths without their own when `path` is omitted. */
  setLatency(ms: number, path?: string): void {
    checkMs(ms, 'latency');
    if (path === undefined) this.#latencyMs = ms;
    else this.#stateOf(path).latencyMs = ms;
  }

  /** Latency of the next `count` attempts (on `path`, if given); it overrides `setLatency`. */
  delayNext(ms: number, options: MockNextOptions = {}): void {
    this.#delayNext.push(oneShot(checkMs(ms, 'latency'), options));
  }

  // --- Failures --------------------------------------------------------------------------------

  /** Fails the next `count` attempts (on `path`, if given) with `kind`. */
  failNext(kind: MockFailureKind, options: MockNextOptions = {}): void {
    this.#failNext.push(oneShot(kind, options));
  }

  /** Fails every attempt on `path` with `kind` until `clearFailure(path)`. */
  setFailure(path: string, kind: MockFailureKind): void {
    this.#stateOf(path).failure = kind;
  }

  clearFailure(path: string): void {
    this.#stateOf(path).failure = undefined;
  }

  /** Drops every scripted failure: one-shots, per-path failures and an outage. */
  clearFailures(): void {
    this.#failNext.length = 0;
    for (const state of this.#state.values()) state.failure = undefined;
    this.#down = undefined;
  }

  /** An outage: every attempt fails with `kind` (default `connection_refused`) until `setUp()`. */
  setDown(kind: MockFailureKind = 'connection_refused'): void {
    this.#down = kind;
  }

  setUp(): void {
    this.#down = undefined;
  }

  get isDown(): boolean {
    return this.#down !== undefined;
  }

  // --- Inspection ------------------------------------------------------------------------------

  /** Every attempt so far, oldest first; entries of in-flight attempts update in place. */
  get log(): readonly MockFetchLogEntry[] {
    return [...this.#log];
  }

  /** Attempts started so far (on `path`, if given), including those still in flight. */
  fetchCount(path?: string): number {
    return path === undefined ? this.#log.length : this.#log.filter((e) => e.path === path).length;
  }

  /** Attempts still in flight (on `path`, if given). */
  inFlight(path?: string): number {
    return this.#log.filter(
      (e) => e.outcome === 'pending' && (path === undefined || e.path === path),
    ).length;
  }

  clearLog(): void {
    this.#log.length = 0;
  }

  /** Active watch subscriptions (on `path`, if given). */
  watcherCount(path?: string): number {
    if (path !== undefined) return this.#watchers.get(path)?.size ?? 0;
    let total = 0;
    for (const set of this.#watchers.values()) total += set.size;
    return total;
  }

  // --- Internals -------------------------------------------------------------------------------

  #stateOf(path: string): PathState {
    let state = this.#state.get(path);
    if (state === undefined) {
      state = {
        rotation: 0,
        fixed: undefined,
        present: undefined,
        failure: undefined,
        latencyMs: undefined,
        ttlMs: undefined,
        lease: undefined,
      };
      this.#state.set(path, state);
    }
    return state;
  }

  #exists(path: string): boolean {
    const present = this.#state.get(path)?.present;
    if (present !== undefined) return present;
    return this.#paths === undefined || this.#paths.has(path);
  }

  #versionOf(path: string): string {
    return String((this.#state.get(path)?.rotation ?? 0) + 1);
  }

  #valueOf(path: string): SecretData {
    const state = this.#state.get(path);
    if (state?.fixed !== undefined) return state.fixed;
    const rotation = state?.rotation ?? 0;
    if (this.#shape === 'string') return this.#derive(path, rotation, '').slice(0, 32);
    const value: Record<string, string> = {};
    for (const field of this.#fields)
      value[field] = this.#derive(path, rotation, field).slice(0, 24);
    return Object.freeze(value);
  }

  /** SHA-256 over NUL-separated parts: stable across runs, platforms and Node versions. */
  #derive(path: string, rotation: number, field: string): string {
    return createHash('sha256')
      .update(`${this.#seed}\0${path}\0${rotation}\0${field}`)
      .digest('hex');
  }

  /** The full FetchedSecret for `path` now, or undefined when the path does not exist. */
  #snapshot(path: string): FetchedSecret | undefined {
    if (!this.#exists(path)) return undefined;
    const state = this.#state.get(path);
    const value = this.#valueOf(path);
    const version = this.#versionOf(path);
    const leaseSpec = state?.lease ?? this.#lease;
    if (leaseSpec !== undefined) {
      const lease: Lease = {
        id: leaseSpec.id ?? `${this.name}/${path}/${++this.#leaseCounter}`,
        durationMs: leaseSpec.durationMs,
        renewable: leaseSpec.renewable,
      };
      return { value, version, lease };
    }
    const ttlMs = state?.ttlMs ?? this.#ttlMs;
    return ttlMs === undefined ? { value, version } : { value, version, ttlMs };
  }

  #pickFailure(path: string): MockFailureKind | undefined {
    if (this.#down !== undefined) return this.#down;
    const scripted = takeOneShot(this.#failNext, path);
    if (scripted !== undefined) return scripted;
    return this.#state.get(path)?.failure;
  }

  #pickLatency(path: string): number {
    return (
      takeOneShot(this.#delayNext, path) ?? this.#state.get(path)?.latencyMs ?? this.#latencyMs
    );
  }

  #failureError(kind: Exclude<MockFailureKind, 'hang'>, path: string, latencyMs: number): Error {
    switch (kind) {
      case 'timeout':
        return new ProviderTimeoutError(path, this.name, latencyMs);
      case 'connection_refused':
        return new ProviderUnavailableError(`connection to provider "${this.name}" refused`, {
          path,
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      case 'not_found':
        return new SecretNotFoundError(path, this.name);
      case 'permission_denied':
        return new PermissionDeniedError(path, this.name);
      case 'http_500':
      case 'http_503':
      case 'http_429':
      case 'http_400': {
        const status = HTTP_STATUS[kind];
        return new ProviderHttpError(
          status,
          `provider "${this.name}" answered HTTP ${status} for "${path}"`,
          { path },
        );
      }
    }
  }

  #outcomeOf(error: unknown, signal: AbortSignal): MockFetchOutcome {
    if (signal.aborted && error === signal.reason) return 'aborted';
    if (error instanceof MockClosedError) return 'closed';
    if (error instanceof ProviderTimeoutError) return 'timeout';
    if (error instanceof ProviderUnavailableError) return 'connection_refused';
    if (error instanceof SecretNotFoundError) return 'not_found';
    if (error instanceof PermissionDeniedError) return 'permission_denied';
    if (error instanceof ProviderHttpError) {
      for (const [kind, status] of Object.entries(HTTP_STATUS)) {
        if (status === error.status) return kind as keyof typeof HTTP_STATUS;
      }
    }
    return 'aborted';
  }

  #closedError(): MockClosedError {
    return new MockClosedError(`provider "${this.name}" is closed`);
  }

  /**
   * Waits `ms` on the clock (forever when undefined). Rejects with the signal's reason when it
   * aborts, or with the closed error when the provider closes; never leaves a timer armed.
   */
  #wait(ms: number | undefined, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: Timer | undefined;
      const settle = (error: Error | undefined): void => {
        timer?.cancel();
        signal.removeEventListener('abort', onAbort);
        this.#waiters.delete(onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => {
        // The caller's reason as is, so its timeout error reaches it unchanged.
        settle(signal.reason as Error);
      };
      const onClose = (error: Error): void => {
        settle(error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(onClose);
      if (ms !== undefined) {
        timer = this.#clock.setTimer(() => {
          settle(undefined);
        }, ms);
      }
    });
  }

  #push(path: string, update: Parameters<WatchCallback>[0]): void {
    const set = this.#watchers.get(path);
    if (set === undefined) return;
    for (const callback of [...set]) callback(update);
  }
}

/** Unavailable because the provider closed; its own class so the log can tell it apart. */
class MockClosedError extends ProviderUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}

function oneShot<T>(item: T, options: MockNextOptions): OneShot<T> {
  const count = options.count ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError('count must be a positive integer');
  }
  return { path: options.path, item, remaining: count };
}

/** Consumes one use of the oldest script that applies to `path`. */
function takeOneShot<T>(queue: OneShot<T>[], path: string): T | undefined {
  const index = queue.findIndex((s) => s.path === undefined || s.path === path);
  if (index < 0) return undefined;
  const script = queue[index] as OneShot<T>;
  script.remaining--;
  if (script.remaining === 0) queue.splice(index, 1);
  return script.item;
}

function checkMs(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${what} must be a finite ms >= 0`);
  return ms;
}

/** A deep-frozen copy, so callers can neither mutate our state nor see later mutations. */
function freezeCopy(value: SecretData): SecretData {
  return typeof value === 'string' ? value : deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
