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
 *
 * Concurrency: a read that misses goes to storage, and a write to the same key may start and
 * finish while it waits. Such a read may carry the value from before the write, so it is handed
 * to its caller (who raced the write anyway) but not remembered. Likewise a write remembers its
 * value only if no other write or delete of that key started after it and none is still under
 * way. Each key with an operation in flight has a small record of that (`InFlight`), dropped
 * when the last one ends.
 */
import { ClockCache } from '../framework/clock-cache.ts';
import { NOT_CACHED } from '../logical/storage.ts';
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

/** The slot's value as JSON, deeply frozen, parsed on first use and shared from then on. */
function parsedOf(slot: Slot): unknown {
  if (slot.parsed === NOT_PARSED) {
    slot.parsed = deepFreeze(JSON.parse(decoder.decode(slot.bytes)) as unknown);
  }
  return slot.parsed;
}

/** The operations under way on one key (see the class comment). */
interface InFlight {
  reads: number;
  writes: number;
  /** Bumped when a write or delete starts: an operation that began before it is outdated. */
  generation: number;
}

/** Eviction is CLOCK (see ClockCache): a hit must cost one map lookup, every request has several. */
export class CachedStorage implements Storage {
  readonly #inner: Storage;
  readonly #maxValueBytes: number;
  readonly #slots: ClockCache<string, Slot>;
  readonly #inFlight = new Map<string, InFlight>();

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
    const { value } = await this.#readThrough(key);
    return value;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    // Only the latest write of the key, with none other still under way, knows the stored value.
    if (await this.#write(key, () => this.#inner.put(key, value))) this.#remember(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.#write(key, () => this.#inner.delete(key));
  }

  list(prefix: string): Promise<string[]> {
    return this.#inner.list(prefix);
  }

  /**
   * The value parsed as JSON. A cached value is parsed once and shared, frozen, between callers
   * (most of a request's reads are the same small JSON documents: its token entry, its lease).
   */
  getParsed(key: string): Promise<unknown> {
    // A hit, most reads of a request: no async frame, one settled promise.
    const hit = this.peekParsed(key);
    return hit === NOT_CACHED ? this.#getParsedMiss(key) : Promise.resolve(hit);
  }

  /** A hit is answered at once, parsed (once) if it was not yet; a miss is NOT_CACHED. */
  peekParsed(key: string): unknown {
    const slot = this.#slots.get(key);
    return slot === undefined ? NOT_CACHED : parsedOf(slot);
  }

  async #getParsedMiss(key: string): Promise<unknown> {
    const read = await this.#readThrough(key);
    if (read.value === undefined) return undefined;
    // Not cached (too large, evicted at once, or raced by a write): parsed for this caller only.
    if (read.slot === undefined)
      return deepFreeze(JSON.parse(decoder.decode(read.value)) as unknown);
    return parsedOf(read.slot);
  }

  /** A miss: reads storage, and remembers the value unless a write of the key overlapped. */
  async #readThrough(key: string): Promise<{ value: Uint8Array | undefined; slot?: Slot }> {
    const flight = this.#flight(key);
    // A read that starts while a write is under way may see either value: never remembered.
    const generation = flight.writes === 0 ? flight.generation : -1;
    flight.reads += 1;
    let value: Uint8Array | undefined;
    try {
      value = await this.#inner.get(key);
    } finally {
      flight.reads -= 1;
      this.#settle(key, flight);
    }
    if (value === undefined || flight.writes > 0 || flight.generation !== generation) {
      return { value };
    }
    const slot = this.#remember(key, value);
    return slot === undefined ? { value } : { value, slot };
  }

  #flight(key: string): InFlight {
    let flight = this.#inFlight.get(key);
    if (flight === undefined) {
      flight = { reads: 0, writes: 0, generation: 0 };
      this.#inFlight.set(key, flight);
    }
    return flight;
  }

  /**
   * Runs a write or delete of `key`, forgetting the cached value first (if it fails, the next
   * read goes to storage, never to a stale copy). True when it was the last write of the key to
   * start and none other is still under way: its value is then the stored one.
   */
  async #write(key: string, operation: () => Promise<void>): Promise<boolean> {
    this.#slots.delete(key);
    const flight = this.#flight(key);
    flight.writes += 1;
    flight.generation += 1;
    const generation = flight.generation;
    try {
      await operation();
    } finally {
      flight.writes -= 1;
      this.#settle(key, flight);
    }
    return flight.writes === 0 && flight.generation === generation;
  }

  /** Drops the key's record once nothing is under way on it (the caller keeps its reference). */
  #settle(key: string, flight: InFlight): void {
    if (flight.reads === 0 && flight.writes === 0) this.#inFlight.delete(key);
  }

  #remember(key: string, value: Uint8Array): Slot | undefined {
    // ClockCache.set replaces a slot already there (two reads that missed together).
    if (value.length > this.#maxValueBytes) return undefined;
    const slot: Slot = { bytes: value.slice(), parsed: NOT_PARSED };
    return this.#slots.set(key, slot) ? slot : undefined;
  }
}
