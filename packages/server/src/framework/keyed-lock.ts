/**
 * An in-process lock per key: tasks for the same key run one after another, in arrival order;
 * tasks for different keys run concurrently. The one place read-modify-write of a stored record
 * is made atomic within this process: KV versions, AppRole secret-ID uses, token uses, database
 * roles and connections, and a PostgreSQL connection's catalog changes.
 *
 * Contract: a failing task releases the lock like a successful one; keys with nothing queued
 * are forgotten, so the map holds only keys with work in flight.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.#tails.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#tails.get(key) === settled) this.#tails.delete(key);
    }
  }

  /** Keys with work queued or running (for tests). */
  get size(): number {
    return this.#tails.size;
  }
}
