/**
 * A read-through, write-through LRU cache in front of a Storage.
 *
 * Contract: every write to the underlying storage must go through this object. The core wraps
 * the barrier in one instance when it unseals and hands out views of it, so every engine, the
 * token store and the expiration manager write through it (the server is the only active
 * node). Under that contract the cache is never stale. It holds decrypted values, so the core
 * drops it at seal; while unsealed, the process holds the keyring that decrypts everything
 * anyway, so a bounded plaintext cache adds no exposure that memory access would not already
 * give.
 *
 * Why: every request reads its token entry and lease, and most read engine data; without a
 * cache each read is a storage round trip plus an AES-GCM decryption.
 *
 * Bounded by entries and by bytes; values larger than `maxValueBytes` are never cached.
 */
import type { Storage } from '../logical/storage.ts';

const decoder = new TextDecoder();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export class CachedStorage implements Storage {
  readonly #inner: Storage;
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #maxValueBytes: number;
  #bytes = 0;
  /** Insertion order doubles as recency: a hit is re-inserted. */
  readonly #entries = new Map<string, Uint8Array>();
  /** Parsed, deeply frozen JSON of cached values, filled on first `getParsed`. */
  readonly #parsed = new Map<string, unknown>();

  constructor(
    inner: Storage,
    options: { maxEntries?: number; maxBytes?: number; maxValueBytes?: number } = {},
  ) {
    this.#inner = inner;
    this.#max = options.maxEntries ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.#maxValueBytes = options.maxValueBytes ?? 64 * 1024;
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
    this.#forget(key);
    await this.#inner.put(key, value);
    this.#remember(key, value);
  }

  async delete(key: string): Promise<void> {
    this.#forget(key);
    await this.#inner.delete(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.#inner.list(prefix);
  }

  /**
   * The value parsed as JSON. A cached value is parsed once and shared, frozen, between callers
   * (most of a request's reads are the same small JSON documents: its token entry, its lease).
   */
  async getParsed(key: string): Promise<unknown> {
    if (this.#parsed.has(key)) {
      // Keep recency in step with the bytes.
      const bytes = this.#entries.get(key);
      if (bytes !== undefined) {
        this.#entries.delete(key);
        this.#entries.set(key, bytes);
      }
      return this.#parsed.get(key);
    }
    const raw = await this.get(key);
    if (raw === undefined) return undefined;
    const value = deepFreeze(JSON.parse(decoder.decode(raw)) as unknown);
    if (this.#entries.has(key)) this.#parsed.set(key, value);
    return value;
  }

  #remember(key: string, value: Uint8Array): void {
    this.#forget(key);
    if (value.length > this.#maxValueBytes) return;
    this.#entries.set(key, value.slice());
    this.#bytes += value.length;
    while (this.#entries.size > this.#max || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#forget(oldest.value);
    }
  }

  #forget(key: string): void {
    this.#parsed.delete(key);
    const existing = this.#entries.get(key);
    if (existing === undefined) return;
    this.#bytes -= existing.length;
    this.#entries.delete(key);
  }
}
