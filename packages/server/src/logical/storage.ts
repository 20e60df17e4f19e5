/**
 * Storage: four methods and a prefix.
 *
 * The same interface serves physical backends (memory, embedded SQLite, PostgreSQL), the
 * encrypting barrier above them, and the chrooted views engines receive. Keys are
 * `/`-separated paths with no leading slash. Values are opaque bytes.
 */
export interface Storage {
  /** The value at `key`, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores `value` at `key`, replacing any previous value. Durable once the promise resolves. */
  put(key: string, value: Uint8Array): Promise<void>;
  /** Removes `key`. Succeeds when the key does not exist. */
  delete(key: string): Promise<void>;
  /**
   * The immediate children of `prefix` (which is empty or ends in `/`), sorted: a key directly
   * under the prefix is listed by its remaining name; a deeper key contributes its first segment
   * followed by `/`, once. As Vault's physical `List`.
   */
  list(prefix: string): Promise<string[]>;
  /**
   * Optional: the value at `key` parsed as JSON, deeply frozen, possibly shared between callers
   * (a cache may answer without decoding). `getJson` uses it when present. Callers must treat
   * the result as immutable (copy, then change).
   */
  getParsed?(key: string): Promise<unknown>;
  /**
   * Optional: what `getParsed` would give, when it is at hand without waiting (a cache hit);
   * otherwise `NOT_CACHED`. For the reads on every request's path (its token entry and lease),
   * which can then skip the promise machinery: the same value, the same object.
   */
  peekParsed?(key: string): unknown;
}

/** What `peekParsed` answers when the value cannot be had without waiting. */
export const NOT_CACHED: unique symbol = Symbol('not cached');
export type NotCached = typeof NOT_CACHED;

/** A physical backend is a Storage that may hold resources to release. */
export interface PhysicalStorage extends Storage {
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads a JSON document; undefined when absent. */
export function getJson<T>(storage: Storage, key: string): Promise<T | undefined> {
  // Not an async function: a request reads several documents, mostly from the cache, and this
  // hands on the cache's promise instead of wrapping it in another.
  if (storage.getParsed !== undefined) return storage.getParsed(key) as Promise<T | undefined>;
  return storage
    .get(key)
    .then((raw) => (raw === undefined ? undefined : (JSON.parse(decoder.decode(raw)) as T)));
}

/**
 * The JSON document `getJson` would read, if it is at hand without waiting (see `peekParsed`);
 * otherwise NOT_CACHED.
 */
export function peekJson(storage: Storage, key: string): unknown {
  return storage.peekParsed === undefined ? NOT_CACHED : storage.peekParsed(key);
}

/** Writes a JSON document. */
export async function putJson(storage: Storage, key: string, value: unknown): Promise<void> {
  await storage.put(key, encoder.encode(JSON.stringify(value)));
}

/** Lists every key under `prefix`, recursively, as full keys relative to `prefix`. */
export async function listRecursive(storage: Storage, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const child of await storage.list(prefix)) {
    if (child.endsWith('/')) {
      for (const deeper of await listRecursive(storage, prefix + child)) {
        out.push(child + deeper);
      }
    } else {
      out.push(child);
    }
  }
  return out;
}

/** Deletes every key under `prefix` (used when a mount is disabled). */
export async function deletePrefix(storage: Storage, prefix: string): Promise<void> {
  for (const key of await listRecursive(storage, prefix)) {
    await storage.delete(prefix + key);
  }
}

/**
 * A view of `storage` chrooted to `prefix` (which must end in `/`): an engine mounted at
 * `secret/` with a view on `logical/<uuid>/` can neither see nor touch anything outside it.
 */
export class StorageView implements Storage {
  readonly prefix: string;
  readonly #inner: Storage;

  constructor(inner: Storage, prefix: string) {
    if (prefix !== '' && !prefix.endsWith('/')) {
      throw new Error(`storage view prefix must end in "/": ${prefix}`);
    }
    this.#inner = inner;
    this.prefix = prefix;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#inner.get(this.#expand(key));
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.#inner.put(this.#expand(key), value);
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(this.#expand(key));
  }

  list(prefix: string): Promise<string[]> {
    return this.#inner.list(this.#expand(prefix));
  }

  getParsed(key: string): Promise<unknown> {
    const inner = this.#inner;
    if (inner.getParsed !== undefined) return inner.getParsed(this.#expand(key));
    return inner
      .get(this.#expand(key))
      .then((raw) =>
        raw === undefined ? undefined : (JSON.parse(decoder.decode(raw)) as unknown),
      );
  }

  peekParsed(key: string): unknown {
    const inner = this.#inner;
    if (inner.peekParsed === undefined) return NOT_CACHED;
    return inner.peekParsed(this.#expand(key));
  }

  /** A narrower view under this one. */
  sub(prefix: string): StorageView {
    return new StorageView(this.#inner, this.prefix + prefix);
  }

  #expand(key: string): string {
    // Every storage access of every request passes here: split only a key that could hold `..`.
    if (key.startsWith('/') || (key.includes('..') && key.split('/').includes('..'))) {
      throw new Error('invalid storage key');
    }
    return this.prefix + key;
  }
}
