/**
 * Time as a dependency.
 *
 * Everything in Strongroom that reasons about TTLs, leases, backoff or refresh takes a `Clock`
 * instead of calling `Date.now()` or `setTimeout` directly, so that tests can advance a
 * `ManualClock` instead of sleeping.
 */

/** A scheduled callback. `cancel()` is idempotent and safe to call after the timer fired. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Runs `callback` once, `delayMs` from now. Timers never keep the process alive
   * (a system clock `unref`s them).
   */
  setTimer(callback: () => void, delayMs: number): Timer;
}

/** Resolves after `delayMs` on `clock`; rejects with the signal's reason if it aborts first. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal));
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

/** The real clock. Its timers are `unref`'d so they never hold the process open. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    // setTimeout clamps delays above 2^31-1 ms to 1 ms; chain instead so long TTLs stay correct.
    const MAX_DELAY = 2_147_483_647;
    let handle: NodeJS.Timeout;
    let cancelled = false;
    const arm = (remaining: number): void => {
      const step = Math.min(Math.max(0, remaining), MAX_DELAY);
      handle = setTimeout(() => {
        if (cancelled) return;
        if (remaining > MAX_DELAY) arm(remaining - MAX_DELAY);
        else callback();
      }, step);
      handle.unref();
    };
    arm(delayMs);
    return {
      cancel(): void {
        cancelled = true;
        clearTimeout(handle);
      },
    };
  }
}

export const systemClock: Clock = new SystemClock();

interface PendingTimer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. Timers fire in due order (ties in creation order)
 * during `advance`, and promise chains started by one timer settle before the next fires,
 * so async refresh logic behaves as it would in real time, just without the waiting.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 0;
  #timers: PendingTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const timer: PendingTimer = {
      id: this.#nextId++,
      due: this.#now + Math.max(0, delayMs),
      callback,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
    };
  }

  /** Timers armed and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Milliseconds until the next timer is due, or undefined when none is armed. */
  nextTimerIn(): number | undefined {
    const next = this.#next();
    return next === undefined ? undefined : next.due - this.#now;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order,
   * and letting pending promise callbacks run after each one and at the end.
   */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError('a manual clock cannot go backwards');
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#next();
      if (next === undefined || next.due > target) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.due);
      next.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Advances to an absolute time (no-op if it is in the past). */
  async advanceTo(epochMs: number): Promise<void> {
    await this.advance(Math.max(0, epochMs - this.#now));
  }

  /** Lets pending promise callbacks and I/O-free continuations run without moving time. */
  async flush(): Promise<void> {
    await settle();
  }

  #next(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (
        best === undefined ||
        timer.due < best.due ||
        (timer.due === best.due && timer.id < best.id)
      ) {
        best = timer;
      }
    }
    return best;
  }
}

/** Yields to the event loop a few times so that chains of awaited promises settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
