/**
 * The expiration manager: every lease the server hands out (dynamic secrets and tokens) is
 * persisted here, timed through the injected clock, and revoked when it expires.
 *
 * Contracts:
 * - A lease is durable once `registerSecret`/`registerAuth` resolves; it survives restarts.
 *   `start` restores every persisted lease, keeping its original expiry.
 * - An expired lease is revoked through `deps.revoke`. When that fails (a database is down) the
 *   revocation is retried with full-jitter exponential backoff, forever; the attempt count is
 *   persisted, so a restart resumes the backoff rather than forgetting the lease.
 * - `revoke` and `revokePrefix` are idempotent: an unknown lease is already revoked.
 * - Timers only come from `deps.clock`; `stop` cancels all of them and revokes nothing.
 * - Logs carry lease IDs and error codes only: never an error's message (a driver error can
 *   quote a password), never `internal` data, never a token.
 */
import type { Clock, Timer } from '@strongroom/protocol';
import type { Logger } from 'pino';
import { initialTtl, renewedTtl } from '../../framework/ttl.ts';
import type { TtlBounds } from '../../logical/backend.ts';
import { LogicalError, badRequest } from '../../logical/errors.ts';
import type { SecretResult } from '../../logical/response.ts';
import { getJson, listRecursive, peekJson, putJson } from '../../logical/storage.ts';
import type { NotCached, Storage } from '../../logical/storage.ts';
import { randomBase62 } from '../random.ts';
import { DEFAULT_RETRY, fullJitterDelay } from './backoff.ts';
import type { RetryPolicy } from './backoff.ts';
import {
  LEASE_PREFIX,
  decodeIndexName,
  isValidLeaseId,
  leaseKey,
  tokenIndexKey,
  tokenIndexPrefix,
} from './lease-entry.ts';
import type { LeaseEntry } from './lease-entry.ts';
import { Limiter } from './limiter.ts';

export interface ExpirationDeps {
  /** A storage view reserved for leases. */
  readonly storage: Storage;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Destroys what the lease stands for: routes a secret lease to its engine's revoke handler,
   * an auth lease to the token store. Must succeed when the target is already gone.
   */
  readonly revoke: (lease: LeaseEntry) => Promise<void>;
  /** Extends a secret lease at its source; returns the TTL the engine grants (0 = as asked). */
  readonly renew: (lease: LeaseEntry, incrementMs: number) => Promise<{ ttlMs: number }>;
  /** [0, 1) random source for retry jitter; `Math.random` by default. */
  readonly random?: () => number;
  readonly retry?: RetryPolicy;
  /** How many revocations may run at once in the background (default 16). */
  readonly concurrency?: number;
  /** Told of every failed revocation attempt (metrics). */
  readonly onRevokeFailure?: () => void;
}

export interface RegisterSecretInput {
  /** The full request path (`database/creds/ro`); the lease ID starts with it. */
  readonly path: string;
  readonly mountPoint: string;
  readonly secret: SecretResult;
  /** The salted hash of the requesting token, so revoking the token revokes the lease. */
  readonly tokenHash?: string | undefined;
  readonly bounds: TtlBounds;
}

export interface RegisterAuthInput {
  readonly path: string;
  readonly mountPoint: string;
  readonly tokenHash: string;
  /** 0 = never expires: no lease is created. */
  readonly ttlMs: number;
  /** 0 = unbounded. */
  readonly maxTtlMs: number;
  readonly renewable: boolean;
  readonly internal?: Readonly<Record<string, unknown>>;
}

/** The in-memory shadow of a persisted lease: only what timing needs. */
interface Tracked {
  expireTime: number;
  timer: Timer | undefined;
  /** True once expired and awaiting (or retrying) revocation. */
  pending: boolean;
}

const DEFAULT_CONCURRENCY = 16;

export class ExpirationManager {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #revokeFn: ExpirationDeps['revoke'];
  readonly #renewFn: ExpirationDeps['renew'];
  readonly #onRevokeFailure: (() => void) | undefined;
  readonly #random: () => number;
  readonly #retry: RetryPolicy;
  /** Bounds background expiry work. Never taken by calls made from inside `deps.revoke`. */
  readonly #limiter: Limiter;
  readonly #concurrency: number;
  readonly #tracked = new Map<string, Tracked>();
  /** Revocations in flight, so concurrent callers share one call to the engine. */
  readonly #inflight = new Map<string, Promise<void>>();
  #running = false;

  constructor(deps: ExpirationDeps) {
    this.#storage = deps.storage;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#revokeFn = deps.revoke;
    this.#renewFn = deps.renew;
    this.#onRevokeFailure = deps.onRevokeFailure;
    this.#random = deps.random ?? Math.random;
    this.#retry = deps.retry ?? DEFAULT_RETRY;
    this.#concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
    this.#limiter = new Limiter(this.#concurrency);
  }

  /**
   * Restores persisted leases: those already expired (or mid-retry) are revoked promptly, at
   * most `concurrency` at a time; the rest get timers for their original expiry. Resolves once
   * every timer is armed, without waiting for the prompt revocations.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const now = this.#clock.now();
    for (const leaseId of await listRecursive(this.#storage, LEASE_PREFIX)) {
      const lease = await this.#load(leaseId);
      if (lease !== undefined) this.#restore(leaseId, lease, now);
    }
    this.#logger.info({ leases: this.#tracked.size }, 'expiration manager started');
  }

  /** Cancels every timer (seal, shutdown). Nothing is revoked; persisted leases stay. */
  stop(): void {
    this.#running = false;
    for (const tracked of this.#tracked.values()) tracked.timer?.cancel();
    this.#tracked.clear();
  }

  /** Persists a lease for a dynamic secret and arms its timer. */
  async registerSecret(
    input: RegisterSecretInput,
  ): Promise<{ leaseId: string; ttlMs: number; renewable: boolean }> {
    const { ttlMs, maxTtlMs } = initialTtl({
      requestedMs: input.secret.ttlMs,
      explicitMaxMs: input.secret.maxTtlMs,
      defaultMs: input.bounds.defaultTtlMs,
      mountMaxMs: input.bounds.maxTtlMs,
    });
    const now = this.#clock.now();
    const leaseId = `${trimSlashes(input.path)}/${randomBase62(24)}`;
    if (!isValidLeaseId(leaseId)) throw badRequest(`invalid lease path: ${input.path}`);
    const lease: LeaseEntry = {
      leaseId,
      kind: 'secret',
      path: input.path,
      mountPoint: input.mountPoint,
      secretType: input.secret.type,
      internal: { ...input.secret.internal },
      ...(input.tokenHash === undefined ? {} : { tokenHash: input.tokenHash }),
      issueTime: now,
      expireTime: ttlMs > 0 ? now + ttlMs : 0,
      lastRenewalTime: now,
      maxTtlMs,
      renewable: input.secret.renewable,
    };
    await this.#persist(lease);
    this.#track(lease);
    return { leaseId, ttlMs, renewable: lease.renewable };
  }

  /**
   * Persists the lease of a token (`<path>/<tokenHash>`). With `ttlMs` 0 the token never expires
   * and no lease is created (undefined is returned).
   */
  async registerAuth(input: RegisterAuthInput): Promise<LeaseEntry | undefined> {
    if (input.ttlMs <= 0) return undefined;
    const now = this.#clock.now();
    const leaseId = authLeaseId(input.path, input.tokenHash);
    if (!isValidLeaseId(leaseId)) throw badRequest(`invalid lease path: ${input.path}`);
    const lease: LeaseEntry = {
      leaseId,
      kind: 'auth',
      path: input.path,
      mountPoint: input.mountPoint,
      internal: { ...(input.internal ?? {}) },
      tokenHash: input.tokenHash,
      issueTime: now,
      expireTime: now + input.ttlMs,
      lastRenewalTime: now,
      maxTtlMs: input.maxTtlMs,
      renewable: input.renewable,
    };
    await this.#persist(lease);
    this.#track(lease);
    return lease;
  }

  /**
   * Renews a secret lease: the engine extends it at its source, and the TTL granted is capped
   * so the lease never outlives `issueTime + maxTtl`. Tokens renew through the token store.
   */
  async renew(leaseId: string, incrementMs: number): Promise<{ lease: LeaseEntry; ttlMs: number }> {
    const lease = await this.#liveLease(leaseId);
    if (lease.kind === 'auth') {
      throw badRequest('tokens cannot be renewed through this endpoint; use auth/token/renew');
    }
    if (!lease.renewable) throw badRequest('lease is not renewable');
    const now = this.#clock.now();
    this.#assertBeforeMax(lease, now);
    const granted = await this.#renewFn(lease, Math.max(0, incrementMs));
    // The engine's answer is itself a request: the lease's max still bounds it.
    const previousTtl = lease.expireTime === 0 ? 0 : lease.expireTime - lease.lastRenewalTime;
    const after = this.#clock.now();
    const ttlMs = renewedTtl({
      nowMs: after,
      issueTimeMs: lease.issueTime,
      incrementMs: granted.ttlMs > 0 ? granted.ttlMs : incrementMs,
      defaultMs: previousTtl,
      maxTtlMs: lease.maxTtlMs,
    });
    const renewed = await this.#extend(lease, after, ttlMs);
    return { lease: renewed, ttlMs };
  }

  /**
   * Sets a token's lease to expire `ttlMs` from now. The token store computes the TTL (period,
   * explicit max, increment) and calls this; the cap by the lease's max still applies.
   */
  async renewAuth(leaseId: string, ttlMs: number): Promise<{ lease: LeaseEntry; ttlMs: number }> {
    const lease = await this.#liveLease(leaseId);
    if (lease.kind !== 'auth') throw badRequest('not a token lease');
    if (!lease.renewable) throw badRequest('lease is not renewable');
    const now = this.#clock.now();
    this.#assertBeforeMax(lease, now);
    const capped = renewedTtl({
      nowMs: now,
      issueTimeMs: lease.issueTime,
      incrementMs: ttlMs,
      defaultMs: ttlMs,
      maxTtlMs: lease.maxTtlMs,
    });
    const renewed = await this.#extend(lease, now, capped);
    return { lease: renewed, ttlMs: capped };
  }

  /**
   * Revokes one lease now: the backend's revoke, then the lease is deleted. Idempotent (an
   * unknown lease resolves). A backend failure is thrown and the lease is kept.
   */
  async revoke(leaseId: string): Promise<void> {
    await this.#revokeOnce(leaseId, { force: false });
  }

  /**
   * Revokes every lease under `prefix` (a lease ID itself, or a path prefix such as
   * `database/creds/`). With `force`, a lease is deleted even when its backend revoke fails
   * (the operator accepts that the credential may live on). Without it, every lease is tried
   * and the first failure is thrown at the end.
   */
  async revokePrefix(prefix: string, opts: { force?: boolean } = {}): Promise<void> {
    const force = opts.force === true;
    const trimmed = trimLeadingSlash(prefix);
    if (!trimmed.endsWith('/') && trimmed !== '') {
      // An exact lease ID is revoked on its own, as Vault does.
      if ((await this.#load(trimmed)) !== undefined) {
        await this.#revokeOnce(trimmed, { force });
        return;
      }
    }
    const dir = trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
    const ids = (await listRecursive(this.#storage, leaseKey(dir))).map((rest) => dir + rest);
    let failure: unknown;
    let failed = 0;
    // A limiter of its own: revoking a token lease re-enters this manager (revokeByToken), and
    // waiting on the shared expiry limiter from inside it could deadlock.
    const limiter = new Limiter(this.#concurrency);
    await Promise.all(
      ids.map((leaseId) =>
        limiter.run(async () => {
          try {
            await this.#revokeOnce(leaseId, { force });
          } catch (error) {
            failed++;
            failure ??= error;
          }
        }),
      ),
    );
    if (failed > 0) {
      if (failure instanceof LogicalError) throw failure;
      throw new LogicalError(
        'upstream_unavailable',
        503,
        `failed to revoke ${failed} lease(s) under "${dir}"; retry, or use force`,
      );
    }
  }

  /**
   * Revokes every secret lease created by a token (called when the token is revoked). A lease
   * whose revocation fails is not lost: it is marked expired and retried with backoff, so the
   * token's own revocation can complete.
   */
  async revokeByToken(tokenHash: string): Promise<void> {
    const leaseIds = await this.#indexed(tokenHash);
    // Called from inside `deps.revoke` (an expired token's revocation holds an expiry slot), so
    // it must not wait on the shared limiter: that could deadlock once every slot is held.
    const limiter = new Limiter(this.#concurrency);
    await Promise.all(
      leaseIds.map((leaseId) =>
        limiter.run(async () => {
          const lease = await this.#load(leaseId);
          if (lease?.kind !== 'secret') return;
          try {
            await this.#revokeOnce(leaseId, { force: false });
          } catch (error) {
            this.#logFailure(leaseId, error, lease.revokeAttempts ?? 0);
            await this.#expireNow(lease);
          }
        }),
      ),
    );
  }

  /**
   * Deletes a token's own lease without calling `deps.revoke` (the token store is revoking the
   * token already). Idempotent. Must not wait for an in-flight revocation of the same lease:
   * that revocation is what calls the token store, which calls this.
   */
  async forgetAuth(leaseId: string): Promise<void> {
    const lease = await this.#load(leaseId);
    this.#untrack(leaseId);
    if (lease === undefined) return;
    await this.#delete(lease);
  }

  /** The persisted lease, or undefined. */
  lookup(leaseId: string): Promise<LeaseEntry | undefined> {
    const id = givenLeaseId(leaseId);
    return id === undefined ? Promise.resolve(undefined) : this.#load(id);
  }

  /** What `lookup` would answer, when it is at hand without waiting (see `peekParsed`). */
  peek(leaseId: string): LeaseEntry | undefined | NotCached {
    const id = givenLeaseId(leaseId);
    if (id === undefined) return undefined;
    return peekJson(this.#storage, leaseKey(id)) as LeaseEntry | undefined | NotCached;
  }

  /**
   * One level of lease IDs under `prefix`, as Vault's `sys/leases/lookup/<prefix>` list:
   * lease IDs directly under it by their last segment, deeper ones by their next segment + `/`.
   */
  async listPrefix(prefix: string): Promise<string[]> {
    const trimmed = trimLeadingSlash(prefix);
    const dir = trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
    return this.#storage.list(leaseKey(dir));
  }

  /**
   * Repairs storage after crashes: drops index rows whose lease is gone, re-indexes leases
   * missing from their token's index, and (when running) tracks leases that have no timer.
   */
  async tidy(): Promise<void> {
    const indexRoot = await listRecursive(this.#storage, 'token/');
    for (const rest of indexRoot) {
      const slash = rest.indexOf('/');
      if (slash < 0) continue;
      const leaseId = decodeIndexName(rest.slice(slash + 1));
      if (!isValidLeaseId(leaseId) || (await this.#load(leaseId)) === undefined) {
        await this.#storage.delete(`token/${rest}`);
      }
    }
    const now = this.#clock.now();
    for (const leaseId of await listRecursive(this.#storage, LEASE_PREFIX)) {
      const lease = await this.#load(leaseId);
      if (lease === undefined) continue;
      if (lease.tokenHash !== undefined) {
        const key = tokenIndexKey(lease.tokenHash, lease.leaseId);
        if ((await this.#storage.get(key)) === undefined) await putJson(this.#storage, key, {});
      }
      if (this.#running && !this.#tracked.has(leaseId)) this.#restore(leaseId, lease, now);
    }
  }

  /**
   * Takes charge of a persisted lease found in storage under `leaseId`: one already expired (or
   * mid-retry) is revoked promptly, in the background; any other gets a timer for its expiry.
   */
  #restore(leaseId: string, lease: LeaseEntry, now: number): void {
    if (lease.expireTime !== 0 && lease.expireTime <= now) {
      this.#tracked.set(leaseId, {
        expireTime: lease.expireTime,
        timer: undefined,
        pending: true,
      });
      void this.#expire(leaseId);
    } else {
      this.#track(lease);
    }
  }

  /** Leases currently tracked in memory (active or awaiting revocation). */
  count(): number {
    return this.#tracked.size;
  }

  /** Leases that have expired and whose revocation has not yet succeeded. */
  pendingRevocations(): number {
    let pending = 0;
    for (const tracked of this.#tracked.values()) if (tracked.pending) pending++;
    return pending;
  }

  // ---- internals ----

  async #liveLease(leaseId: string): Promise<LeaseEntry> {
    const id = givenLeaseId(leaseId);
    const lease = id === undefined ? undefined : await this.#load(id);
    if (id === undefined || lease === undefined) {
      throw badRequest('lease not found', 'lease_not_found');
    }
    const now = this.#clock.now();
    if (
      (lease.expireTime !== 0 && lease.expireTime <= now) ||
      (lease.revokeAttempts ?? 0) > 0 ||
      this.#tracked.get(id)?.pending === true
    ) {
      throw badRequest('lease expired', 'lease_not_found');
    }
    return lease;
  }

  #assertBeforeMax(lease: LeaseEntry, now: number): void {
    if (lease.maxTtlMs > 0 && now >= lease.issueTime + lease.maxTtlMs) {
      throw badRequest('past the max TTL, cannot renew');
    }
  }

  async #extend(lease: LeaseEntry, now: number, ttlMs: number): Promise<LeaseEntry> {
    const renewed: LeaseEntry = { ...lease, expireTime: now + ttlMs, lastRenewalTime: now };
    await putJson(this.#storage, leaseKey(lease.leaseId), renewed);
    this.#track(renewed);
    return renewed;
  }

  #load(leaseId: string): Promise<LeaseEntry | undefined> {
    return getJson<LeaseEntry>(this.#storage, leaseKey(leaseId));
  }

  async #persist(lease: LeaseEntry): Promise<void> {
    // Index first: a crash in between leaves a dangling index row, never an unindexed lease.
    if (lease.tokenHash !== undefined) {
      await putJson(this.#storage, tokenIndexKey(lease.tokenHash, lease.leaseId), {});
    }
    await putJson(this.#storage, leaseKey(lease.leaseId), lease);
  }

  async #delete(lease: LeaseEntry): Promise<void> {
    await this.#storage.delete(leaseKey(lease.leaseId));
    if (lease.tokenHash !== undefined) {
      await this.#storage.delete(tokenIndexKey(lease.tokenHash, lease.leaseId));
    }
  }

  async #indexed(tokenHash: string): Promise<string[]> {
    const names = await this.#storage.list(tokenIndexPrefix(tokenHash));
    return names
      .filter((n) => !n.endsWith('/'))
      .map(decodeIndexName)
      .filter(isValidLeaseId);
  }

  /** (Re)arms the timer for a live lease. No timer while stopped: `start` restores it. */
  #track(lease: LeaseEntry): void {
    if (!this.#running) return;
    const previous = this.#tracked.get(lease.leaseId);
    previous?.timer?.cancel();
    const tracked: Tracked = { expireTime: lease.expireTime, timer: undefined, pending: false };
    if (lease.expireTime !== 0) {
      const delay = Math.max(0, lease.expireTime - this.#clock.now());
      tracked.timer = this.#clock.setTimer(() => void this.#expire(lease.leaseId), delay);
    }
    this.#tracked.set(lease.leaseId, tracked);
  }

  #untrack(leaseId: string): void {
    this.#tracked.get(leaseId)?.timer?.cancel();
    this.#tracked.delete(leaseId);
  }

  /** Marks a live lease expired now and starts its background revocation. */
  async #expireNow(lease: LeaseEntry): Promise<void> {
    const now = this.#clock.now();
    const expired: LeaseEntry = {
      ...lease,
      expireTime: Math.min(now, lease.expireTime === 0 ? now : lease.expireTime),
      revokeAttempts: (lease.revokeAttempts ?? 0) + 1,
    };
    await putJson(this.#storage, leaseKey(lease.leaseId), expired);
    if (!this.#running) return;
    this.#untrack(lease.leaseId);
    this.#tracked.set(lease.leaseId, {
      expireTime: expired.expireTime,
      timer: undefined,
      pending: true,
    });
    this.#scheduleRetry(lease.leaseId, expired.revokeAttempts ?? 1);
  }

  /** Timer callback: revoke an expired lease in the background; never throws. */
  async #expire(leaseId: string): Promise<void> {
    if (!this.#running) return;
    const tracked = this.#tracked.get(leaseId);
    if (tracked === undefined) return;
    tracked.timer = undefined;
    tracked.pending = true;
    try {
      await this.#limiter.run(async () => {
        if (!this.#running) return;
        await this.#revokeOnce(leaseId, { force: false });
      });
    } catch (error) {
      await this.#recordFailure(leaseId, error);
    }
  }

  async #recordFailure(leaseId: string, error: unknown): Promise<void> {
    let attempts = 1;
    try {
      const lease = await this.#load(leaseId);
      if (lease === undefined) {
        this.#untrack(leaseId);
        return;
      }
      attempts = (lease.revokeAttempts ?? 0) + 1;
      await putJson(this.#storage, leaseKey(leaseId), { ...lease, revokeAttempts: attempts });
    } catch (storageError) {
      // Storage is failing too; keep retrying from memory, the lease is still persisted.
      this.#logFailure(leaseId, storageError, attempts);
    }
    this.#logFailure(leaseId, error, attempts);
    this.#scheduleRetry(leaseId, attempts);
  }

  #scheduleRetry(leaseId: string, attempts: number): void {
    if (!this.#running) return;
    const tracked = this.#tracked.get(leaseId);
    if (tracked === undefined) return;
    tracked.pending = true;
    tracked.timer?.cancel();
    const delay = fullJitterDelay(attempts, this.#retry, this.#random);
    tracked.timer = this.#clock.setTimer(() => void this.#expire(leaseId), delay);
  }

  #logFailure(leaseId: string, error: unknown, attempts: number): void {
    this.#onRevokeFailure?.();
    // The code only: messages from drivers can quote credentials.
    this.#logger.warn({ leaseId, code: errorCode(error), attempts }, 'lease revocation failed');
  }

  /** One revocation, shared by concurrent callers for the same lease. */
  #revokeOnce(leaseId: string, opts: { force: boolean }): Promise<void> {
    const existing = this.#inflight.get(leaseId);
    if (existing !== undefined && !opts.force) return existing;
    const run = (async (): Promise<void> => {
      if (existing !== undefined) await existing.catch(() => undefined);
      const lease = isValidLeaseId(leaseId) ? await this.#load(leaseId) : undefined;
      if (lease === undefined) {
        this.#untrack(leaseId);
        return;
      }
      try {
        await this.#revokeFn(lease);
      } catch (error) {
        if (!opts.force) throw error;
        this.#logger.warn(
          { leaseId, code: errorCode(error) },
          'lease revocation failed; deleted anyway (force)',
        );
      }
      this.#untrack(leaseId);
      await this.#delete(lease);
      this.#logger.debug({ leaseId }, 'lease revoked');
    })();
    this.#inflight.set(leaseId, run);
    const cleanup = (): void => {
      if (this.#inflight.get(leaseId) === run) this.#inflight.delete(leaseId);
    };
    void run.then(cleanup, cleanup);
    return run;
  }
}

/** The lease ID of a token: its issuing path and its salted hash. */
export function authLeaseId(path: string, tokenHash: string): string {
  return `${trimSlashes(path)}/${tokenHash}`;
}

function errorCode(error: unknown): string {
  if (error instanceof LogicalError) return error.code;
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
  }
  return error instanceof Error ? error.name : 'unknown';
}

/** A lease ID as a caller gives it (leading slashes allowed); undefined when it names no lease. */
function givenLeaseId(value: string): string | undefined {
  const id = trimLeadingSlash(value);
  return isValidLeaseId(id) ? id : undefined;
}

function trimLeadingSlash(value: string): string {
  return value.startsWith('/') ? value.replace(/^\/+/, '') : value;
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}
