/**
 * A size-bounded map that evicts the least recently used key. `get` counts as a use; `peek`
 * does not. `set` returns what it evicted so the owner can release it (timers, watches).
 *
 * Recency is a doubly linked list threaded through the entries, so marking a use is a few
 * pointer writes (and nothing when the key is already the most recent): `get` sits on the hot
 * path of every cached secret read.
 */
interface Node<K, V> {
  readonly key: K;
  value: V;
  /** Towards the most recently used end. */
  newer: Node<K, V> | undefined;
  /** Towards the least recently used end. */
  older: Node<K, V> | undefined;
}

export class LruMap<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, Node<K, V>>();
  #newest: Node<K, V> | undefined;
  #oldest: Node<K, V> | undefined;

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
    const node = this.#map.get(key);
    if (node === undefined) return undefined;
    if (node !== this.#newest) {
      this.#unlink(node);
      this.#pushNewest(node);
    }
    return node.value;
  }

  /** The value, without touching recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value;
  }

  /** Stores `value` as most recently used; returns the entries evicted to stay in bounds. */
  set(key: K, value: V): [K, V][] {
    const existing = this.#map.get(key);
    if (existing !== undefined) {
      existing.value = value;
      if (existing !== this.#newest) {
        this.#unlink(existing);
        this.#pushNewest(existing);
      }
      return [];
    }
    const node: Node<K, V> = { key, value, newer: undefined, older: undefined };
    this.#map.set(key, node);
    this.#pushNewest(node);
    const evicted: [K, V][] = [];
    while (this.#map.size > this.#max && this.#oldest !== undefined) {
      const victim = this.#oldest;
      this.#unlink(victim);
      this.#map.delete(victim.key);
      evicted.push([victim.key, victim.value]);
    }
    return evicted;
  }

  delete(key: K): boolean {
    const node = this.#map.get(key);
    if (node === undefined) return false;
    this.#unlink(node);
    return this.#map.delete(key);
  }

  /** Values from least to most recently used. */
  *values(): IterableIterator<V> {
    for (let node = this.#oldest; node !== undefined; node = node.newer) yield node.value;
  }

  clear(): void {
    this.#map.clear();
    this.#newest = undefined;
    this.#oldest = undefined;
  }

  #unlink(node: Node<K, V>): void {
    if (node.newer === undefined) this.#newest = node.older;
    else node.newer.older = node.older;
    if (node.older === undefined) this.#oldest = node.newer;
    else node.older.newer = node.newer;
    node.newer = undefined;
    node.older = undefined;
  }

  #pushNewest(node: Node<K, V>): void {
    node.older = this.#newest;
    node.newer = undefined;
    if (this.#newest === undefined) this.#oldest = node;
    else this.#newest.newer = node;
    this.#newest = node;
  }
}
