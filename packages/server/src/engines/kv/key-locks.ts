/**
 * Per-key mutual exclusion for read-modify-write of KV v2 metadata.
 *
 * Contract: two requests on the same secret path run their critical sections one after the
 * other, so check-and-set and version numbering stay exact under concurrency. Different paths
 * never wait on each other. A failed section releases the lock. One instance per mount.
 */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(section);
    const tail = current.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
