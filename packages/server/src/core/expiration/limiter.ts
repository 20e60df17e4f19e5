/**
 * A concurrency limit for background work (revocations after a restart or a mass expiry), so a
 * burst of expired leases does not open hundreds of connections to one database at once.
 */
export class Limiter {
  readonly #max: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('limit must be a positive integer');
    this.#max = max;
  }

  /** Runs `task` once fewer than `max` tasks are running; settles as the task does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#max) {
      // The finishing task hands its slot over directly, so no newcomer can slip in between.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#active--;
      else next();
    }
  }
}
