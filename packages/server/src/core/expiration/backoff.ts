/**
 * Retry delays for failed revocations: exponential backoff with full jitter.
 *
 * A failed revocation is never abandoned (a credential left alive at its source is the one
 * failure a lease manager must not have); the delay only grows to `capMs`.
 */

export interface RetryPolicy {
  /** The ceiling of the first retry's delay. */
  readonly baseMs: number;
  /** The ceiling no delay exceeds, however many attempts failed. */
  readonly capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 10_000, capMs: 10 * 60_000 };

/**
 * The delay before retry number `attempt` (1 = after the first failure): uniformly random in
 * [1, min(cap, base * 2^(attempt-1))]. Never 0, so a manual clock always moves forward.
 * `random` returns a number in [0, 1), as `Math.random` does.
 */
export function fullJitterDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.max(1, Math.floor(random() * ceiling));
}
