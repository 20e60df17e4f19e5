/**
 * The `Secret` value wrapper. A secret never prints itself: `toString`, template literals,
 * `JSON.stringify`, `util.inspect` and `console.log` all render `[redacted]`. The raw value is
 * reachable only through `reveal()`, so every place that uses it is greppable.
 */
import type { Lease, SecretData } from './provider.ts';

export const REDACTED = '[redacted]';

export interface SecretInit<T extends SecretData> {
  readonly path: string;
  readonly value: T;
  readonly version: string;
  readonly lease: Lease | undefined;
  readonly fetchedAt: number;
  readonly expiresAt: number;
}

export class Secret<T extends SecretData = SecretData> {
  /** The path the secret was fetched from. */
  readonly path: string;
  /** The provider's version, or the first 8 hex digits of the SHA-256 of the canonical value. */
  readonly version: string;
  /** The lease the value was issued under, if any. Lease IDs are not secret; values are. */
  readonly lease: Lease | undefined;
  /** When the fetch that produced this value started (ms since the epoch, on the manager's clock). */
  readonly fetchedAt: number;
  /** When the cached value stops being fresh (ms since the epoch). For a lease: the lease's end. */
  readonly expiresAt: number;
  // A private field: invisible to util.inspect, structuredClone, Object.keys and JSON.
  readonly #value: T;

  constructor(init: SecretInit<T>) {
    this.path = init.path;
    this.version = init.version;
    this.lease = init.lease;
    this.fetchedAt = init.fetchedAt;
    this.expiresAt = init.expiresAt;
    this.#value = init.value;
  }

  /** The raw value. The only way to read it: call it where the value is used, not earlier. */
  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
