/**
 * Cache timing as pure functions of their inputs: no clock, no randomness of their own (the
 * caller passes a draw `random01` in [0, 1)). The manager calls them; tests table them.
 */
import type { FetchedSecret } from '../provider.ts';

/** Where a cached value stands at a given instant. See docs/client-cache.md. */
export type EntryState = 'fresh' | 'stale' | 'expired';

/** The instants that bound a cache entry, in ms since the epoch. */
export interface EntryWindow {
  /** Until then the value is fresh: served without asking the provider. */
  readonly expiresAt: number;
  /**
   * Until then the value may be served if refreshing fails transiently. Never later than a
   * lease's end; equal to `expiresAt` when there is no grace.
   */
  readonly staleUntil: number;
}

/**
 * The base TTL of a fetched value: the lease duration if leased, else the provider's TTL, else
 * the per-path option, else the default. Negative values count as zero.
 */
export function resolveTtlMs(
  fetched: Pick<FetchedSecret, 'lease' | 'ttlMs'>,
  pathTtlMs: number | undefined,
  defaultTtlMs: number,
): number {
  const ttl = fetched.lease?.durationMs ?? fetched.ttlMs ?? pathTtlMs ?? defaultTtlMs;
  return Math.max(0, ttl);
}

/**
 * Shortens a TTL by up to `jitterRatio` of itself so that secrets fetched together do not all
 * expire and refresh together. Jitter only ever shortens: a value is never kept longer than its
 * source allowed.
 */
export function jitteredTtlMs(ttlMs: number, jitterRatio: number, random01: number): number {
  return Math.round(ttlMs * (1 - clamp01(jitterRatio) * random01));
}

export interface RefreshTiming {
  /** The TTL the entry got (already jittered for static values; the lease duration for leases). */
  readonly ttlMs: number;
  /** True when the value came with a lease. */
  readonly leased: boolean;
  /** Fraction of the TTL after which a static value is refreshed in the background (0.7). */
  readonly refreshAheadRatio: number;
  /** Background refreshes never come sooner than this after a fetch. */
  readonly floorMs: number;
  /** A draw in [0, 1). */
  readonly random01: number;
}

/**
 * How long after a fetch to refresh the value in the background.
 * - Static values: `refreshAheadRatio` of their (already jittered) TTL.
 * - Leased values: 90% +/- 5% of the lease, as Vault's lifetime watcher does for a lease it
 *   cannot renew. The provider contract has no renew call, so every lease is replaced by a fresh
 *   fetch rather than renewed.
 * Either way never sooner than `floorMs`, so a tiny or zero TTL cannot spin the provider; a value
 * whose TTL is shorter than the floor is refetched on demand by `get` in between.
 */
export function refreshDelayMs(timing: RefreshTiming): number {
  const fraction = timing.leased
    ? 0.85 + 0.1 * timing.random01
    : Math.max(0, Math.min(1, timing.refreshAheadRatio));
  return Math.max(timing.floorMs, Math.round(timing.ttlMs * fraction));
}

/**
 * The freshness and staleness bounds of an entry fetched at `fetchedAt`. A leased value is
 * never served past `fetchedAt + leaseMs`, whatever `maxStaleMs` says.
 */
export function entryWindow(input: {
  readonly fetchedAt: number;
  readonly ttlMs: number;
  readonly maxStaleMs: number;
  readonly leaseMs: number | undefined;
}): EntryWindow {
  const expiresAt = input.fetchedAt + input.ttlMs;
  const staleUntil = expiresAt + Math.max(0, input.maxStaleMs);
  return input.leaseMs === undefined
    ? { expiresAt, staleUntil }
    : {
        expiresAt: Math.min(expiresAt, input.fetchedAt + input.leaseMs),
        staleUntil: Math.min(staleUntil, input.fetchedAt + input.leaseMs),
      };
}

/** The state of an entry with `window` at instant `now`. */
export function entryState(window: EntryWindow, now: number): EntryState {
  if (now < window.expiresAt) return 'fresh';
  if (now < window.staleUntil) return 'stale';
  return 'expired';
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}
