/**
 * A read-through, write-through LRU cache in front of a Storage, for data with one owner.
 *
 * Contract: every write to the cached keys must go through this object (the token store owns
 * `sys/token/`, the expiration manager `sys/expire/`; the server is the only active node).
 * Under that contract the cache is never stale. It holds decrypted values, so it lives only as
 * long as its owner, which the core discards at seal.
 *
 * Why: authenticating a request reads the token entry and its lease; without a cache each read
 * is a storage round trip plus an AES-GCM decryption, on every request.
 */
import type { Storage } from '../logical/storage.ts';

export class CachedStorage implements Storage {
  readonly #inner: Storage;
  readonly #max: number;
  /** Insertion order doubles as recency: a hit is re-inserted. */
  readonly #entries = new Map<string, Uint8Array>();

  constructor(inner: Storage, options: { maxEntries?: number } = {}) {
    this.#inner = inner;
    this.#max = options.maxEntries ?? 10_000;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.slice();
    }
    const value = await this.#inner.get(key);
    if (value !== undefined) this.#remember(key, value);
    return value;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    // Forget first: if the write fails, the next read goes to storage, never to a stale copy.
    this.#entries.delete(key);
    await this.#inner.put(key, value);
    this.#remember(key, value);
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
    await this.#inner.delete(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.#inner.list(prefix);
  }

  #remember(key: string, value: Uint8Array): void {
    this.#entries.set(key, value.slice());
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
