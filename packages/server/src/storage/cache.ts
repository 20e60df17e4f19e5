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
import type { Storage } from '../logical/storage.ts';

const decoder = new TextDecoder();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A cached value: its bytes, its parsed form once asked for, and CLOCK's reference bit. */
interface Slot {
  readonly bytes: Uint8Array;
  parsed: unknown;
  referenced: boolean;
}

const NOT_PARSED: unique symbol = Symbol('not parsed');

/**
 * Eviction is CLOCK (second chance), an approximation of LRU: a hit only sets the slot's reference
 * bit, and the eviction scan, oldest first, moves referenced slots to the back with the bit
 * cleared and evicts the first one it finds unreferenced. Every request reads several cached
 * documents, so a hit must cost one map lookup, not the delete and re-insert of an exact LRU.
 */
export class CachedStorage implements Storage {
  readonly #inner: Storage;
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #maxValueBytes: number;
  #bytes = 0;
  /** Insertion order is the clock's order. */
  readonly #slots = new Map<string, Slot>();

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
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      slot.referenced = true;
      return slot.bytes.slice();
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
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      const raw = await this.#inner.get(key);
      if (raw === undefined) return undefined;
      slot = this.#remember(key, raw);
      // Too large to cache: parsed for this caller only.
      if (slot === undefined) return deepFreeze(JSON.parse(decoder.decode(raw)) as unknown);
    }
    slot.referenced = true;
    if (slot.parsed === NOT_PARSED) {
      slot.parsed = deepFreeze(JSON.parse(decoder.decode(slot.bytes)) as unknown);
    }
    return slot.parsed;
  }

  #remember(key: string, value: Uint8Array): Slot | undefined {
    this.#forget(key);
    if (value.length > this.#maxValueBytes) return undefined;
    const slot: Slot = { bytes: value.slice(), parsed: NOT_PARSED, referenced: false };
    this.#slots.set(key, slot);
    this.#bytes += value.length;
    this.#evict();
    return this.#slots.get(key);
  }

  #evict(): void {
    // Each referenced slot is passed over once (its bit cleared), so this ends within two laps.
    while (this.#slots.size > this.#max || this.#bytes > this.#maxBytes) {
      const oldest = this.#slots.entries().next();
      if (oldest.done === true) break;
      const [key, slot] = oldest.value;
      this.#slots.delete(key);
      if (slot.referenced) {
        slot.referenced = false;
        this.#slots.set(key, slot);
      } else {
        this.#bytes -= slot.bytes.length;
      }
    }
  }

  #forget(key: string): void {
    const existing = this.#slots.get(key);
    if (existing === undefined) return;
    this.#bytes -= existing.bytes.length;
    this.#slots.delete(key);
  }
}
