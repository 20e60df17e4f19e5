import type { PhysicalStorage } from '../logical/storage.ts';
import { assertStorageKey, childOf, compareKeys } from './keys.ts';
import { settle } from '../framework/settle.ts';

/**
 * In-memory physical storage (`storage "inmem"`, `server -dev`). Nothing survives the process.
 *
 * Values are copied on the way in and out: a caller that later mutates its buffer must never
 * change what is stored, as with a real backend.
 */
export class MemoryStorage implements PhysicalStorage {
  readonly #entries = new Map<string, Uint8Array>();
  #closed = false;

  get(key: string): Promise<Uint8Array | undefined> {
    return settle(() => {
      this.#check(key);
      return this.#entries.get(key)?.slice();
    });
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return settle(() => {
      this.#check(key);
      this.#entries.set(key, value.slice());
    });
  }

  delete(key: string): Promise<void> {
    return settle(() => {
      this.#check(key);
      this.#entries.delete(key);
    });
  }

  list(prefix: string): Promise<string[]> {
    return settle(() => {
      this.#check(prefix);
      const children = new Set<string>();
      for (const key of this.#entries.keys()) {
        if (!key.startsWith(prefix)) continue;
        const child = childOf(prefix, key);
        if (child !== undefined) children.add(child);
      }
      return [...children].sort(compareKeys);
    });
  }

  /** Idempotent. Drops every entry. */
  close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
    return Promise.resolve();
  }

  #check(key: string): void {
    if (this.#closed) throw new Error('storage is closed');
    assertStorageKey(key);
  }
}
