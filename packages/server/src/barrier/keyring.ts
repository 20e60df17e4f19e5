/**
 * The keyring: every data-encryption key the barrier has ever used, by term, and which term
 * encrypts new writes. Older terms stay so that data written before a rotation stays readable.
 *
 * Keys are held as `KeyObject`s, whose material lives outside the JavaScript heap and which
 * print as `SecretKeyObject { type: 'secret' }`: a keyring that reaches a log leaks nothing.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';

import { KEY_BYTES, MAX_TERM } from './aead.ts';

export interface KeyringTerm {
  readonly term: number;
  readonly key: KeyObject;
  /** Milliseconds since the epoch. */
  readonly installTime: number;
}

interface StoredKeyring {
  version: 1;
  active_term: number;
  keys: { term: number; key: string; install_time: string }[];
}

/** Immutable: `rotated` returns a new keyring. */
export class Keyring {
  readonly activeTerm: number;
  readonly #terms: ReadonlyMap<number, KeyringTerm>;

  private constructor(terms: ReadonlyMap<number, KeyringTerm>, activeTerm: number) {
    if (!terms.has(activeTerm)) throw new Error('keyring: active term has no key');
    this.#terms = terms;
    this.activeTerm = activeTerm;
  }

  /** A keyring whose only key is `key`, at term 1 (term 0 labels root-key encryption). */
  static create(key: KeyObject, installTime: number): Keyring {
    return new Keyring(new Map([[1, { term: 1, key, installTime }]]), 1);
  }

  get active(): KeyringTerm {
    const entry = this.#terms.get(this.activeTerm);
    if (entry === undefined) throw new Error('keyring: active term has no key');
    return entry;
  }

  term(term: number): KeyringTerm | undefined {
    return this.#terms.get(term);
  }

  get size(): number {
    return this.#terms.size;
  }

  /** This keyring plus `key` as a new, active term one above the highest. */
  rotated(key: KeyObject, installTime: number): Keyring {
    const term = Math.max(...this.#terms.keys()) + 1;
    if (term > MAX_TERM) throw new Error('keyring: no key terms left');
    const terms = new Map(this.#terms);
    terms.set(term, { term, key, installTime });
    return new Keyring(terms, term);
  }

  /** The keyring as JSON bytes. Contains every key in the clear: encrypt before storing. */
  serialize(): Uint8Array {
    const stored: StoredKeyring = {
      version: 1,
      active_term: this.activeTerm,
      keys: [...this.#terms.values()].map((entry) => {
        const raw = entry.key.export();
        const key = raw.toString('base64');
        raw.fill(0);
        return { term: entry.term, key, install_time: new Date(entry.installTime).toISOString() };
      }),
    };
    return new TextEncoder().encode(JSON.stringify(stored));
  }

  /** Parses `serialize`'s output; throws (without echoing content) on anything malformed. */
  static deserialize(bytes: Uint8Array): Keyring {
    let stored: unknown;
    try {
      stored = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new Error('keyring: stored keyring is not valid JSON');
    }
    if (!isStoredKeyring(stored)) throw new Error('keyring: stored keyring is malformed');
    const terms = new Map<number, KeyringTerm>();
    for (const entry of stored.keys) {
      const raw = Buffer.from(entry.key, 'base64');
      const installTime = Date.parse(entry.install_time);
      if (raw.length !== KEY_BYTES || Number.isNaN(installTime) || terms.has(entry.term)) {
        raw.fill(0);
        throw new Error(`keyring: stored key for term ${entry.term} is malformed`);
      }
      terms.set(entry.term, { term: entry.term, key: createSecretKey(raw), installTime });
      raw.fill(0);
    }
    return new Keyring(terms, stored.active_term);
  }
}

function isTerm(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_TERM;
}

function isStoredKeyring(value: unknown): value is StoredKeyring {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record['version'] === 1 &&
    isTerm(record['active_term']) &&
    Array.isArray(record['keys']) &&
    record['keys'].every((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return false;
      const e = entry as Record<string, unknown>;
      return (
        isTerm(e['term']) && typeof e['key'] === 'string' && typeof e['install_time'] === 'string'
      );
    })
  );
}
