/**
 * A read-through, write-through cache in front of a Storage, bounded, with CLOCK eviction.
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
import { ClockCache } from '../framework/clock-cache.ts';
import type { Storage } from '../logical/storage.ts';

const decoder = new TextDecoder();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A cached value: its bytes, and its parsed form once asked for. */
interface Slot {
  readonly bytes: Uint8Array;
  parsed: unknown;
}

const NOT_PARSED: unique symbol = Symbol('not parsed');

/** Eviction is CLOCK (see ClockCache): a hit must cost one map lookup, every request has several. */
export class CachedStorage implements Storage {
  readonly #inner: Storage;
  readonly #maxValueBytes: number;
  readonly #slots: ClockCache<string, Slot>;

  constructor(
    inner: Storage,
    options: { maxEntries?: number; maxBytes?: number; maxValueBytes?: number } = {},
  ) {
    this.#inner = inner;
    this.#maxValueBytes = options.maxValueBytes ?? 64 * 1024;
    this.#slots = new ClockCache({
      maxEntries: options.maxEntries ?? 10_000,
      maxWeight: options.maxBytes ?? 32 * 1024 * 1024,
      weigh: (slot) => slot.bytes.length,
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const slot = this.#slots.get(key);
    if (slot !== undefined) return slot.bytes.slice();
    const value = await this.#inner.get(key);
    if (value !== undefined) this.#remember(key, value);
    return value;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    // Forget first: if the write fails, the next read goes to storage, never to a stale copy.
    this.#slots.delete(key);
    await this.#inner.put(key, value);
    this.#remember(key, value);
  }

  async delete(key: string): Promise<void> {
    this.#slots.delete(key);
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
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      const raw = await this.#inner.get(key);
      if (raw === undefined) return undefined;
      slot = this.#remember(key, raw);
      // Not cached (too large, or evicted at once): parsed for this caller only.
      if (slot === undefined) return deepFreeze(JSON.parse(decoder.decode(raw)) as unknown);
    }
    if (slot.parsed === NOT_PARSED) {
      slot.parsed = deepFreeze(JSON.parse(decoder.decode(slot.bytes)) as unknown);
    }
    return slot.parsed;
  }

  #remember(key: string, value: Uint8Array): Slot | undefined {
    // Called on a miss, or after `put` forgot the key: there is no slot to replace.
    if (value.length > this.#maxValueBytes) return undefined;
    const slot: Slot = { bytes: value.slice(), parsed: NOT_PARSED };
    return this.#slots.set(key, slot) ? slot : undefined;
  }
}
