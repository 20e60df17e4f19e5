/**
 * User lockout, as Vault applies it to AppRole (keyed by role ID): after `threshold` failed
 * logins, each within `counterResetMs` of the previous one, the key is locked for `durationMs`.
 * A successful login resets the count. Time comes from the caller (the request's clock).
 *
 * Contracts:
 * - While locked, a login is refused before the secret ID is looked at, so the answer is the
 *   same whether the secret was right or wrong, and a locked login spends no secret ID use.
 * - Keys are opaque strings (the backend passes an HMAC of the role ID, never the role ID).
 * - State is in memory and bounded: at most `maxEntries` keys are tracked; past that the
 *   least recently failed key is forgotten, so made-up role IDs cannot grow memory without end.
 */
export interface LockoutPolicy {
  /** Failures that lock the key (Vault: 5). 0 disables lockout. */
  readonly threshold: number;
  /** How long a locked key stays locked (Vault: 15 minutes). */
  readonly durationMs: number;
  /** A failure this long after the previous one starts the count again (Vault: 15 minutes). */
  readonly counterResetMs: number;
  readonly maxEntries: number;
}

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = {
  threshold: 5,
  durationMs: 15 * 60_000,
  counterResetMs: 15 * 60_000,
  maxEntries: 10_000,
};

interface Failures {
  count: number;
  lastFailure: number;
  lockedUntil: number;
}

export class LoginLockout {
  readonly #policy: LockoutPolicy;
  /** Insertion order doubles as recency of the last failure (re-inserted on each failure). */
  readonly #entries = new Map<string, Failures>();

  constructor(policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY) {
    this.#policy = policy;
  }

  isLocked(key: string, now: number): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (entry.lockedUntil > now) return true;
    if (entry.lockedUntil !== 0 || now - entry.lastFailure >= this.#policy.counterResetMs) {
      // The lock ran out, or the count went stale: the key starts afresh.
      this.#entries.delete(key);
    }
    return false;
  }

  recordFailure(key: string, now: number): void {
    if (this.#policy.threshold <= 0) return;
    const previous = this.#entries.get(key);
    const fresh =
      previous === undefined ||
      previous.lockedUntil !== 0 ||
      now - previous.lastFailure >= this.#policy.counterResetMs;
    const count = fresh ? 1 : previous.count + 1;
    this.#entries.delete(key);
    this.#entries.set(key, {
      count,
      lastFailure: now,
      lockedUntil: count >= this.#policy.threshold ? now + this.#policy.durationMs : 0,
    });
    while (this.#entries.size > this.#policy.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  recordSuccess(key: string): void {
    this.#entries.delete(key);
  }

  /** Keys tracked (for tests). */
  get size(): number {
    return this.#entries.size;
  }
}
