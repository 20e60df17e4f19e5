/**
 * Rate-limit quotas (`sys/quotas/rate-limit/<name>`), as Vault's: a quota applies to a path
 * (empty: everything; a mount: that mount; a mount plus suffix: that API path prefix), the most
 * specific quota for a request wins, and each client IP address has its own allowance of `rate`
 * requests per `interval`. A client that exceeds it is refused with 429, and, when the quota has a
 * `block_interval`, keeps being refused until that has passed.
 *
 * Contracts:
 * - The check runs before authentication, so unauthenticated logins are limited too.
 * - Memory is bounded: per-client state is kept for at most `maxClients` clients (least
 *   recently seen dropped first), and a dropped client simply starts with a full allowance.
 * - Time comes from the injected clock.
 */
import type { Clock } from '@strongroom/protocol';
import { LogicalError } from '../../logical/errors.ts';
import { getJson, listRecursive, putJson } from '../../logical/storage.ts';
import type { Storage } from '../../logical/storage.ts';

export interface RateLimitQuota {
  readonly name: string;
  /** '' (global), a mount path (`secret/`), or a mount path plus suffix (`secret/data/app`). */
  readonly path: string;
  /** Requests allowed per interval (may be fractional). */
  readonly rate: number;
  readonly intervalMs: number;
  /** 0: no blocking beyond the rate itself. */
  readonly blockIntervalMs: number;
  /** Applies only to login requests naming this role (`role` field), when set. */
  readonly role: string;
}

/** Paths never limited, so operators can always see and fix a server (Vault's defaults). */
export const DEFAULT_EXEMPT_PATHS: readonly string[] = [
  'sys/health',
  'sys/seal-status',
  'sys/unseal',
  'sys/generate-root/attempt',
  'sys/generate-root/update',
];

interface Bucket {
  tokens: number;
  updatedAt: number;
  blockedUntil: number;
}

const KEY_PREFIX = 'rate-limit/';

export class RateLimitQuotas {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #maxClients: number;
  #quotas = new Map<string, RateLimitQuota>();
  /** Keyed by quota name and client address; insertion order is recency. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: { storage: Storage; clock: Clock; maxClients?: number }) {
    this.#storage = options.storage;
    this.#clock = options.clock;
    this.#maxClients = options.maxClients ?? 100_000;
  }

  async load(): Promise<void> {
    const quotas = new Map<string, RateLimitQuota>();
    for (const key of await listRecursive(this.#storage, KEY_PREFIX)) {
      const quota = await getJson<RateLimitQuota>(this.#storage, KEY_PREFIX + key);
      if (quota !== undefined) quotas.set(quota.name, quota);
    }
    this.#quotas = quotas;
  }

  list(): string[] {
    return [...this.#quotas.keys()].sort();
  }

  get(name: string): RateLimitQuota | undefined {
    return this.#quotas.get(name);
  }

  async set(quota: RateLimitQuota): Promise<void> {
    await putJson(this.#storage, KEY_PREFIX + quota.name, quota);
    this.#quotas.set(quota.name, quota);
    this.#forgetBuckets(quota.name);
  }

  async delete(name: string): Promise<void> {
    await this.#storage.delete(KEY_PREFIX + name);
    this.#quotas.delete(name);
    this.#forgetBuckets(name);
  }

  /**
   * Counts one request from `client` to `path`; throws 429 when the most specific quota that
   * applies refuses it.
   */
  check(path: string, client: string, data: Readonly<Record<string, unknown>>): void {
    if (this.#quotas.size === 0 || DEFAULT_EXEMPT_PATHS.includes(path)) return;
    const quota = this.#match(path, data);
    if (quota === undefined) return;
    const now = this.#clock.now();
    const key = `${quota.name}\u0000${client}`;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: quota.rate, updatedAt: now, blockedUntil: 0 };
    } else {
      this.#buckets.delete(key);
      const refill = ((now - bucket.updatedAt) / quota.intervalMs) * quota.rate;
      bucket.tokens = Math.min(quota.rate, bucket.tokens + refill);
      bucket.updatedAt = now;
    }
    this.#buckets.set(key, bucket);
    this.#bound();
    if (now < bucket.blockedUntil || bucket.tokens < 1) {
      if (quota.blockIntervalMs > 0 && now >= bucket.blockedUntil) {
        bucket.blockedUntil = now + quota.blockIntervalMs;
      }
      throw new LogicalError(
        'rate_limited',
        429,
        `request path "${path}": rate limit quota exceeded`,
      );
    }
    bucket.tokens -= 1;
  }

  /** The most specific quota: longest matching path wins; a role quota beats its mount's. */
  #match(path: string, data: Readonly<Record<string, unknown>>): RateLimitQuota | undefined {
    let best: RateLimitQuota | undefined;
    for (const quota of this.#quotas.values()) {
      if (
        quota.path !== '' &&
        !(path === quota.path || path.startsWith(quota.path) || `${path}/` === quota.path)
      ) {
        continue;
      }
      if (quota.role !== '' && data.role !== quota.role) continue;
      if (
        best === undefined ||
        quota.path.length > best.path.length ||
        (quota.path.length === best.path.length && quota.role !== '' && best.role === '')
      ) {
        best = quota;
      }
    }
    return best;
  }

  #bound(): void {
    while (this.#buckets.size > this.#maxClients) {
      const oldest = this.#buckets.keys().next();
      if (oldest.done === true) return;
      this.#buckets.delete(oldest.value);
    }
  }

  #forgetBuckets(name: string): void {
    for (const key of [...this.#buckets.keys()]) {
      if (key.startsWith(`${name}\u0000`)) this.#buckets.delete(key);
    }
  }
}
