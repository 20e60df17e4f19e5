/**
 * A size-bounded map that evicts the least recently used key. `get` counts as a use; `peek`
 * does not. `set` returns what it evicted so the owner can release it (timers, watches).
 */
export class LruMap<K, V> {
  readonly #max: number;
  // A Map iterates in insertion order; re-inserting on use keeps the oldest use first.
  readonly #map = new Map<K, V>();

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, marking the key as most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** The value, without touching recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  /** Stores `value` as most recently used; returns the entries evicted to stay in bounds. */
  set(key: K, value: V): [K, V][] {
    this.#map.delete(key);
    this.#map.set(key, value);
    const evicted: [K, V][] = [];
    for (const entry of this.#map) {
      if (this.#map.size <= this.#max) break;
      this.#map.delete(entry[0]);
      evicted.push(entry);
    }
    return evicted;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  clear(): void {
    this.#map.clear();
  }
}
