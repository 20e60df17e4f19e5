/**
 * TTL math, as pure functions of `now`. Mirrors Vault's rules:
 * - a requested TTL of 0 means the default; the result never exceeds the max TTL;
 * - the max TTL is the smallest of the explicit max, the mount's max and the system max;
 * - a lease never outlives its max TTL counted from its issue time.
 */

export interface TtlInput {
  /** Requested TTL (0 = default). */
  readonly requestedMs: number;
  /** Role- or token-level explicit max (0 = none). */
  readonly explicitMaxMs: number;
  /** The mount's effective default and max (already resolved against the system's). */
  readonly defaultMs: number;
  readonly mountMaxMs: number;
}

/** The TTL for a new lease, and the max TTL that will bound its renewals. */
export function initialTtl(input: TtlInput): { ttlMs: number; maxTtlMs: number } {
  const maxTtlMs = minPositive(input.explicitMaxMs, input.mountMaxMs);
  const wanted = input.requestedMs > 0 ? input.requestedMs : input.defaultMs;
  return { ttlMs: maxTtlMs > 0 ? Math.min(wanted, maxTtlMs) : wanted, maxTtlMs };
}

export interface RenewInput {
  readonly nowMs: number;
  readonly issueTimeMs: number;
  /** Requested increment (0 = the lease's original TTL or the default). */
  readonly incrementMs: number;
  readonly defaultMs: number;
  /** The max TTL fixed at issue (0 = unbounded). */
  readonly maxTtlMs: number;
  /** Periodic tokens: every renewal resets the TTL to the period. */
  readonly periodMs?: number;
}

/**
 * The TTL after a renewal: the increment (or default), capped so that the lease never outlives
 * `issueTime + maxTtl`. Returns 0 when the max has already been reached.
 */
export function renewedTtl(input: RenewInput): number {
  const period = input.periodMs ?? 0;
  const wanted = period > 0 ? period : input.incrementMs > 0 ? input.incrementMs : input.defaultMs;
  if (input.maxTtlMs <= 0) return wanted;
  const remainingToMax = input.issueTimeMs + input.maxTtlMs - input.nowMs;
  return Math.max(0, Math.min(wanted, remainingToMax));
}

/** The smallest of the positive arguments, or 0 when none is positive. */
export function minPositive(...values: number[]): number {
  const positive = values.filter((v) => v > 0);
  return positive.length === 0 ? 0 : Math.min(...positive);
}
