import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

import type { Clock } from '@strongroom/protocol';
import { combine, split } from 'shamir-secret-sharing';

import { LogicalError, badRequest } from '../logical/errors.ts';
import type { Storage } from '../logical/storage.ts';
import { KEY_BYTES } from './aead.ts';
import { Barrier, SEAL_CONFIG_PATH } from './barrier.ts';
import { decodeUnsealKey } from './unseal-key.ts';

/** The seal configuration, stored in the clear at SEAL_CONFIG_PATH. No secrets. */
export interface SealConfig {
  type: 'shamir';
  secret_shares: number;
  secret_threshold: number;
}

export interface InitializeRequest {
  secretShares: number;
  secretThreshold: number;
}

/**
 * What `sys/init` returns besides the root token (which the token store creates). With one
 * share, the single key is the unseal key itself, as in Vault.
 */
export interface InitializeResult {
  /** Unseal key shares, hex. */
  keys: string[];
  /** The same shares, standard base64. */
  keysBase64: string[];
  secretShares: number;
  secretThreshold: number;
}

export interface InitializeOptions {
  /**
   * Runs once the keys exist, with the seal manager unsealed (unseal listeners have run):
   * the place to create the root token and initial tables. Initialization only completes
   * (the seal configuration is written, so `initialized()` turns true) after it resolves; the
   * manager is sealed again either way. If it throws, initialization is abandoned and may be
   * retried, which replaces the keys (values written under the abandoned keys become unreadable).
   */
  setup?: (barrier: Barrier) => Promise<void>;
}

/** `sys/seal-status` (also the answer of `sys/unseal`), as Vault's fields. */
export interface SealStatus {
  type: 'shamir';
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date: string;
  migration: boolean;
  recovery_seal: boolean;
  storage_type: string;
}

export type SealListener = () => void | Promise<void>;

export interface SealManagerOptions {
  /** The physical storage the barrier encrypts onto. */
  physical: Storage;
  clock: Clock;
  /** As configured (`inmem`, `file`, `raft`, ...), reported as `storage_type`. */
  storageType: string;
  /** Reported as `version`. */
  version?: string;
  /** Reported as `build_date` (RFC 3339). */
  buildDate?: string;
}

interface UnlockProgress {
  readonly nonce: string;
  readonly parts: Uint8Array[];
}

/**
 * Owns initialization and the sealed/unsealed state: Shamir unseal key shares, unseal progress
 * and the barrier. The `sys/` backend calls its methods; the core registers `onUnseal` (mount
 * tables) and `onSeal` (stop timers) listeners.
 *
 * Contracts: key material (shares, unseal key, root key) is never logged, returned in an error
 * or kept after it has been used; state changes (initialize, unseal, seal) run one at a time;
 * when `seal()` returns or throws, the barrier is sealed.
 */
export class SealManager {
  /** The Storage to hand to the core; 503 while sealed. */
  readonly barrier: Barrier;
  readonly #physical: Storage;
  readonly #storageType: string;
  readonly #version: string;
  readonly #buildDate: string;
  #config: SealConfig | undefined;
  #unlock: UnlockProgress | undefined;
  readonly #unsealListeners: SealListener[] = [];
  readonly #sealListeners: SealListener[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SealManagerOptions) {
    this.#physical = options.physical;
    this.barrier = new Barrier(options.physical, { clock: options.clock });
    this.#storageType = options.storageType;
    this.#version = options.version ?? '0.1.0';
    this.#buildDate = options.buildDate ?? '1970-01-01T00:00:00Z';
  }

  get sealed(): boolean {
    return this.barrier.sealed;
  }

  async initialized(): Promise<boolean> {
    return (await this.#readConfig()) !== undefined;
  }

  /**
   * Creates the keys. Validates like Vault (400 `bad_request`); 400 `already_initialized` when
   * a seal configuration exists. Leaves the manager sealed.
   */
  initialize(
    request: InitializeRequest,
    options: InitializeOptions = {},
  ): Promise<InitializeResult> {
    const config = validateSealConfig(request);
    return this.#exclusive(async () => {
      if ((await this.#readConfig()) !== undefined) {
        throw new LogicalError('already_initialized', 400, 'Vault is already initialized');
      }
      const unsealKey = new Uint8Array(randomBytes(KEY_BYTES));
      try {
        const shares =
          config.secret_shares === 1
            ? [unsealKey.slice()]
            : await split(unsealKey, config.secret_shares, config.secret_threshold);
        await this.barrier.initialize(unsealKey);
        if (options.setup !== undefined) {
          await this.barrier.unseal(unsealKey);
          try {
            await this.#notifyUnsealed();
            await options.setup(this.barrier);
          } finally {
            await this.#sealNow();
          }
        }
        // The commit point: written last, so that an initialization interrupted anywhere before
        // leaves the store uninitialized rather than initialized with keys nobody received.
        await this.#physical.put(
          SEAL_CONFIG_PATH,
          new TextEncoder().encode(JSON.stringify(config)),
        );
        this.#config = config;
        const result: InitializeResult = {
          keys: shares.map((share) => Buffer.from(share).toString('hex')),
          keysBase64: shares.map((share) => Buffer.from(share).toString('base64')),
          secretShares: config.secret_shares,
          secretThreshold: config.secret_threshold,
        };
        for (const share of shares) share.fill(0);
        return result;
      } finally {
        unsealKey.fill(0);
      }
    });
  }

  /**
   * Submits one unseal key share (hex or base64), as Vault's `sys/unseal`, and answers the
   * seal status. Distinct shares accumulate; a share already submitted is ignored. When the
   * threshold is reached the shares are combined and tried, and progress is cleared whether or
   * not that succeeds (a wrong share is only detectable then: 400 `invalid_key`). A malformed
   * key is refused (400) without touching progress. `reset` discards progress (400 when
   * unsealed). Already unsealed: answers the status.
   */
  unseal(key: string | undefined, options: { reset?: boolean } = {}): Promise<SealStatus> {
    return this.#exclusive(async () => {
      if (options.reset === true) {
        if (!this.barrier.sealed) throw badRequest('vault is unsealed');
        this.#clearProgress();
        return this.status();
      }
      if (key === undefined || key === '') {
        throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
      }
      const config = await this.#readConfig();
      if (config === undefined) {
        throw new LogicalError('not_initialized', 400, 'Vault is not initialized');
      }
      if (!this.barrier.sealed) return this.status();
      const part = decodeUnsealKey(key);
      if (!this.#record(part)) part.fill(0);
      const parts = this.#unlock?.parts ?? [];
      if (parts.length < config.secret_threshold) return this.status();

      const submitted = parts.slice();
      this.#unlock = undefined;
      let unsealKey: Uint8Array | undefined;
      try {
        unsealKey = await combineShares(submitted, config.secret_threshold);
        await this.barrier.unseal(unsealKey);
      } finally {
        unsealKey?.fill(0);
        for (const share of submitted) share.fill(0);
      }
      try {
        await this.#notifyUnsealed();
      } catch (error) {
        // As Vault: a failed post-unseal setup leaves the server sealed.
        await this.#sealNow().catch(() => undefined);
        throw error;
      }
      return this.status();
    });
  }

  /**
   * Seals: runs the seal listeners (latest registered first), forgets every key and any
   * unseal progress. Idempotent. Listener failures are reported after sealing, as one
   * AggregateError; the barrier is sealed regardless.
   */
  seal(): Promise<void> {
    return this.#exclusive(() => this.#sealNow());
  }

  async status(): Promise<SealStatus> {
    const config = await this.#readConfig();
    return {
      type: 'shamir',
      initialized: config !== undefined,
      sealed: this.barrier.sealed,
      t: config?.secret_threshold ?? 0,
      n: config?.secret_shares ?? 0,
      progress: this.#unlock?.parts.length ?? 0,
      nonce: this.#unlock?.nonce ?? '',
      version: this.#version,
      build_date: this.#buildDate,
      migration: false,
      recovery_seal: false,
      storage_type: this.#storageType,
    };
  }

  /**
   * `listener` runs after every unseal, in registration order, before the unseal is reported
   * (mount tables, start the expiration manager). If one throws, the manager seals again and
   * the unseal fails. Listeners must not call `seal`/`unseal` (they run inside the state lock).
   * Returns a function that removes the listener.
   */
  onUnseal(listener: SealListener): () => void {
    return addListener(this.#unsealListeners, listener);
  }

  /**
   * `listener` runs before every seal, latest registered first, while the barrier can still
   * be written (stop timers, flush). It may also run after a failed unseal listener, so it must
   * tolerate a partial start. Returns a function that removes the listener.
   */
  onSeal(listener: SealListener): () => void {
    return addListener(this.#sealListeners, listener);
  }

  /**
   * For `server -dev`: initializes with one share and unseals with it. The caller prints the
   * key (Vault's dev mode does) and creates the root token.
   */
  async devInitialize(options: InitializeOptions = {}): Promise<InitializeResult> {
    const result = await this.initialize({ secretShares: 1, secretThreshold: 1 }, options);
    const key = result.keys[0];
    if (key === undefined) throw new Error('dev initialization produced no key');
    await this.unseal(key);
    return result;
  }

  async #readConfig(): Promise<SealConfig | undefined> {
    if (this.#config !== undefined) return this.#config;
    const raw = await this.#physical.get(SEAL_CONFIG_PATH);
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new Error('the stored seal configuration is not valid JSON');
    }
    if (!isSealConfig(parsed)) throw new Error('the stored seal configuration is malformed');
    this.#config = parsed;
    return parsed;
  }

  /** Adds a share to the progress unless the same share is there; true when added. */
  #record(part: Uint8Array): boolean {
    this.#unlock ??= { nonce: randomUUID(), parts: [] };
    const duplicate = this.#unlock.parts.some(
      (existing) => existing.length === part.length && timingSafeEqual(existing, part),
    );
    if (!duplicate) this.#unlock.parts.push(part);
    return !duplicate;
  }

  #clearProgress(): void {
    for (const part of this.#unlock?.parts ?? []) part.fill(0);
    this.#unlock = undefined;
  }

  async #notifyUnsealed(): Promise<void> {
    for (const listener of [...this.#unsealListeners]) await listener();
  }

  async #sealNow(): Promise<void> {
    this.#clearProgress();
    if (this.barrier.sealed) return;
    const errors: unknown[] = [];
    for (const listener of [...this.#sealListeners].reverse()) {
      try {
        await listener();
      } catch (error) {
        errors.push(error);
      }
    }
    this.barrier.seal();
    if (errors.length > 0) {
      throw new AggregateError(errors, 'seal listeners failed; the barrier is sealed');
    }
  }

  // State changes run one at a time, in call order; a failure does not block the next.
  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Validates shares/threshold as Vault's seal configuration does. */
export function validateSealConfig(request: InitializeRequest): SealConfig {
  const { secretShares: shares, secretThreshold: threshold } = request;
  const invalid = (reason: string): LogicalError =>
    badRequest(`invalid seal configuration: ${reason}`);
  if (!Number.isInteger(shares)) throw invalid('secret_shares must be an integer');
  if (!Number.isInteger(threshold)) throw invalid('secret_threshold must be an integer');
  if (shares < 1) throw invalid('shares must be at least one');
  if (threshold < 1) throw invalid('threshold must be at least one');
  if (shares > 1 && threshold === 1) {
    throw invalid('threshold must be greater than one for multiple shares');
  }
  if (shares > 255) throw invalid('shares must be less than 256');
  if (threshold > shares) throw invalid('threshold cannot be larger than shares');
  return { type: 'shamir', secret_shares: shares, secret_threshold: threshold };
}

async function combineShares(parts: Uint8Array[], threshold: number): Promise<Uint8Array> {
  if (threshold === 1) {
    const only = parts[0];
    if (only === undefined) throw new Error('no unseal key submitted');
    return only.slice();
  }
  try {
    return await combine(parts);
  } catch {
    // The library's message may describe the shares; say only what the caller can act on.
    throw new LogicalError(
      'invalid_key',
      400,
      'failed to compute the combined key from the unseal key shares',
    );
  }
}

function isSealConfig(value: unknown): value is SealConfig {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const shares = record['secret_shares'];
  const threshold = record['secret_threshold'];
  return (
    record['type'] === 'shamir' &&
    typeof shares === 'number' &&
    typeof threshold === 'number' &&
    Number.isInteger(shares) &&
    Number.isInteger(threshold) &&
    threshold >= 1 &&
    threshold <= shares &&
    shares <= 255
  );
}

function addListener(listeners: SealListener[], listener: SealListener): () => void {
  listeners.push(listener);
  return () => {
    const index = listeners.indexOf(listener);
    if (index >= 0) listeners.splice(index, 1);
  };
}
