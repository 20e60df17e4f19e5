/**
 * "Full jitter" exponential backoff: the delay before retry number `retry` (0 for the first
 * retry) is uniform in [0, min(cap, base * 2^retry)). Spreading retries over the whole window
 * keeps many clients that failed together from retrying together.
 */
export function backoffDelayMs(
  retry: number,
  baseMs: number,
  capMs: number,
  random01: number,
): number {
  const window = Math.min(capMs, baseMs * 2 ** Math.max(0, retry));
  return Math.floor(window * random01);
}
