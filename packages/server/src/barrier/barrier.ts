import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

import type { Clock } from '@strongroom/protocol';

import { LogicalError, sealedError } from '../logical/errors.ts';
import type { Storage } from '../logical/storage.ts';
import { BarrierDecryptError, KEY_BYTES, decrypt, encrypt, termOf } from './aead.ts';
import { Keyring } from './keyring.ts';

/** The root key, encrypted under the unseal key (term 0). */
export const ROOT_KEY_PATH = 'core/root-key';
/** The keyring, encrypted under the root key (term 0). */
export const KEYRING_PATH = 'core/keyring';
/**
 * The seal configuration (type, shares, threshold), stored in the clear by design: it is read
 * before anything can be decrypted and holds no secret. Written by the seal manager.
 */
export const SEAL_CONFIG_PATH = 'core/seal-config';

/** Paths the barrier manages itself; reading or writing them through it is refused. */
const RESERVED_PATHS: ReadonlySet<string> = new Set([
  ROOT_KEY_PATH,
  KEYRING_PATH,
  SEAL_CONFIG_PATH,
]);

/** Term 0 labels values encrypted under the root or unseal key; the keyring starts at 1. */
const ROOT_TERM = 0;

/** As `sys/key-status` answers. */
export interface KeyStatus {
  term: number;
  /** RFC 3339. */
  install_time: string;
  /** Values encrypted under this term by this process since unseal (not persisted). */
  encryptions: number;
}

export interface BarrierOptions {
  /** Install times of new keys. */
  clock: Clock;
}

interface Unsealed {
  readonly rootKey: KeyObject;
  keyring: Keyring;
}

/**
 * The encrypting barrier: a Storage over physical storage in which every value is encrypted
 * with AES-256-GCM under the keyring's active term, bound to its path (see aead.ts). Keys
 * (paths) are not encrypted, as in Vault, so `list` passes through.
 *
 * Key hierarchy, as Vault's: unseal key -> decrypts the root key (ROOT_KEY_PATH) -> decrypts
 * the keyring (KEYRING_PATH) -> whose terms decrypt data. Nothing of it is kept in memory while
 * sealed, and every operation then fails with `sealedError()` (503).
 *
 * Contracts: plaintext never reaches physical storage; a value that does not authenticate is
 * an error, never data; a new key term is durable before any value is encrypted under it.
 */
export class Barrier implements Storage {
  readonly #physical: Storage;
  readonly #clock: Clock;
  #unsealed: Unsealed | undefined;
  #encryptions = 0;
  // Serializes rotations: two concurrent rotations computing the same next term would each
  // persist a different key for it, and data written under the loser would become unreadable.
  #rotation: Promise<unknown> = Promise.resolve();

  constructor(physical: Storage, options: BarrierOptions) {
    this.#physical = physical;
    this.#clock = options.clock;
  }

  get sealed(): boolean {
    return this.#unsealed === undefined;
  }

  /** Whether a root key has been stored (the seal manager's configuration decides "initialized"). */
  async hasRootKey(): Promise<boolean> {
    return (await this.#physical.get(ROOT_KEY_PATH)) !== undefined;
  }

  /**
   * Generates a root key and a keyring with one data key, and stores them encrypted under
   * `unsealKey`. Replaces any previous root key and keyring (left by an initialization that
   * never completed): only the seal manager calls this, after finding no seal configuration.
   * The barrier stays sealed.
   */
  async initialize(unsealKey: Uint8Array): Promise<void> {
    if (!this.sealed) throw new Error('barrier: cannot initialize while unsealed');
    if (unsealKey.length !== KEY_BYTES)
      throw new RangeError('barrier: unseal key must be 32 bytes');
    const rootBytes = randomBytes(KEY_BYTES);
    const dataBytes = randomBytes(KEY_BYTES);
    const unsealObject = createSecretKey(unsealKey);
    const rootKey = createSecretKey(rootBytes);
    const keyring = Keyring.create(createSecretKey(dataBytes), this.#clock.now());
    dataBytes.fill(0);
    try {
      await this.#physical.put(KEYRING_PATH, this.#sealKeyring(rootKey, keyring));
      await this.#physical.put(
        ROOT_KEY_PATH,
        encrypt(unsealObject, ROOT_TERM, ROOT_KEY_PATH, rootBytes),
      );
    } finally {
      rootBytes.fill(0);
    }
  }

  /**
   * Decrypts the root key with `unsealKey`, then the keyring. A key that does not decrypt the
   * root key is a 400 `invalid_key`; no root key stored is a 400 `not_initialized`. A no-op
   * when already unsealed.
   */
  async unseal(unsealKey: Uint8Array): Promise<void> {
    if (!this.sealed) return;
    const rootBlob = await this.#physical.get(ROOT_KEY_PATH);
    if (rootBlob === undefined) {
      throw new LogicalError('not_initialized', 400, 'Vault is not initialized');
    }
    if (unsealKey.length !== KEY_BYTES) {
      throw new LogicalError('invalid_key', 400, 'Unseal failed, invalid key');
    }
    let rootBytes: Uint8Array;
    try {
      rootBytes = decrypt(createSecretKey(unsealKey), ROOT_KEY_PATH, rootBlob);
    } catch (error) {
      if (error instanceof BarrierDecryptError) {
        throw new LogicalError('invalid_key', 400, 'Unseal failed, invalid key');
      }
      throw error;
    }
    const rootKey = createSecretKey(rootBytes);
    rootBytes.fill(0);
    const keyringBlob = await this.#physical.get(KEYRING_PATH);
    if (keyringBlob === undefined) throw new Error('barrier: the keyring is missing from storage');
    const keyringBytes = decrypt(rootKey, KEYRING_PATH, keyringBlob);
    const keyring = Keyring.deserialize(keyringBytes);
    keyringBytes.fill(0);
    // A concurrent unseal may have finished while this one awaited storage; keep its state.
    if (this.#unsealed === undefined) {
      this.#unsealed = { rootKey, keyring };
      this.#encryptions = 0;
    }
  }

  /** Forgets every key. Idempotent; operations in flight finish or fail with 503. */
  seal(): void {
    this.#unsealed = undefined;
    this.#encryptions = 0;
  }

  /**
   * Adds a new key term and makes it active; data under older terms stays readable. The new
   * keyring is persisted before the term is used, so no value is ever written under a term a
   * restart could not find.
   */
  rotate(): Promise<KeyStatus> {
    const run = this.#rotation.then(() => this.#rotateNow());
    this.#rotation = run.catch(() => undefined);
    return run;
  }

  /** The active term, when it was installed, and how much it has encrypted. 503 while sealed. */
  keyStatus(): KeyStatus {
    const active = this.#require().keyring.active;
    return {
      term: active.term,
      install_time: new Date(active.installTime).toISOString(),
      encryptions: this.#encryptions,
    };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertNotReserved(key);
    this.#require();
    const blob = await this.#physical.get(key);
    if (blob === undefined) return undefined;
    // Re-check: the barrier may have been sealed while the read was in flight.
    const entry = this.#require().keyring.term(termOf(key, blob));
    if (entry === undefined) throw new BarrierDecryptError(key, 'unknown key term');
    return decrypt(entry.key, key, blob);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    assertNotReserved(key);
    const active = this.#require().keyring.active;
    const blob = encrypt(active.key, active.term, key, value);
    this.#encryptions++;
    await this.#physical.put(key, blob);
  }

  async delete(key: string): Promise<void> {
    assertNotReserved(key);
    this.#require();
    await this.#physical.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.#require();
    return this.#physical.list(prefix);
  }

  async #rotateNow(): Promise<KeyStatus> {
    const state = this.#require();
    const dataBytes = randomBytes(KEY_BYTES);
    const next = state.keyring.rotated(createSecretKey(dataBytes), this.#clock.now());
    dataBytes.fill(0);
    await this.#physical.put(KEYRING_PATH, this.#sealKeyring(state.rootKey, next));
    // Sealed meanwhile: the persisted keyring is loaded at the next unseal.
    if (this.#unsealed === state) {
      state.keyring = next;
      this.#encryptions = 0;
    }
    return {
      term: next.active.term,
      install_time: new Date(next.active.installTime).toISOString(),
      encryptions: 0,
    };
  }

  #sealKeyring(rootKey: KeyObject, keyring: Keyring): Uint8Array {
    const plaintext = keyring.serialize();
    try {
      return encrypt(rootKey, ROOT_TERM, KEYRING_PATH, plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  #require(): Unsealed {
    if (this.#unsealed === undefined) throw sealedError();
    return this.#unsealed;
  }
}

function assertNotReserved(key: string): void {
  if (RESERVED_PATHS.has(key)) {
    throw new Error(
      `barrier: "${key}" is managed by the barrier and cannot be accessed through it`,
    );
  }
}
