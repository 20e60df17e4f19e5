/**
 * A bounded map with CLOCK (second chance) eviction, an approximation of LRU for caches read on
 * every request: a hit is one map lookup and sets the entry's reference bit, where an exact LRU
 * would delete and re-insert the entry. When the cache is over its bounds, the oldest entries are
 * scanned: a referenced one moves to the back with its bit cleared, the first unreferenced one is
 * evicted. Each entry is passed over at most once per eviction, so an eviction ends within two
 * laps.
 *
 * Bounded by entries and, optionally, by a total weight (`weigh`, for example a value's bytes).
 */
interface Slot<V> {
  readonly value: V;
  readonly weight: number;
  referenced: boolean;
}

export interface ClockCacheOptions<V> {
  readonly maxEntries: number;
  /** Upper bound on the sum of `weigh(value)`; unbounded when omitted. */
  readonly maxWeight?: number;
  readonly weigh?: (value: V) => number;
}

export class ClockCache<K, V> {
  readonly #slots = new Map<K, Slot<V>>();
  readonly #maxEntries: number;
  readonly #maxWeight: number;
  readonly #weigh: ((value: V) => number) | undefined;
  #weight = 0;

  constructor(options: ClockCacheOptions<V>) {
    this.#maxEntries = options.maxEntries;
    this.#maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY;
    this.#weigh = options.weigh;
  }

  get size(): number {
    return this.#slots.size;
  }

  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    slot.referenced = true;
    return slot.value;
  }

  /** Stores `value`; returns false when it was evicted at once (the cache is full of hotter ones). */
  set(key: K, value: V): boolean {
    this.delete(key);
    const weight = this.#weigh?.(value) ?? 0;
    this.#slots.set(key, { value, weight, referenced: false });
    this.#weight += weight;
    this.#evict();
    return this.#slots.has(key);
  }

  delete(key: K): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#weight -= slot.weight;
    this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
    this.#weight = 0;
  }

  #evict(): void {
    while (this.#slots.size > this.#maxEntries || this.#weight > this.#maxWeight) {
      const oldest = this.#slots.entries().next();
      if (oldest.done === true) break;
      const [key, slot] = oldest.value;
      this.#slots.delete(key);
      if (slot.referenced) {
        slot.referenced = false;
        this.#slots.set(key, slot);
      } else {
        this.#weight -= slot.weight;
      }
    }
  }
}
