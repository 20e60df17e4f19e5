/**
 * Durable named password policies.
 *
 * Storage layout (inside the Storage handed in, normally the barrier view `sys/password-policy/`):
 * `<name>` holds `{ "version": 1, "name": ..., "raw": ... }`. Only the text is persisted; it is
 * parsed again on load, so a parser fix applies to existing policies.
 *
 * Contracts:
 * - `set` parses before writing: an invalid document stores nothing and throws `invalid_policy`.
 * - `delete` succeeds when the policy does not exist; it does not check whether an engine still
 *   names the policy (as Vault), so a later generation for that name fails with `not_found`.
 * - Parsed policies are cached; every `set`/`delete` through this store drops the entry. The store
 *   assumes it is the only writer of its prefix (one active node, as Vault).
 */
import { LogicalError, notFound } from '../../logical/errors.ts';
import { getJson, putJson } from '../../logical/storage.ts';
import type { Storage } from '../../logical/storage.ts';
import { generatePassword, parsePasswordPolicy } from './policy.ts';
import type { PasswordPolicy, RandomIntSource } from './policy.ts';

interface StoredPasswordPolicy {
  readonly version: 1;
  readonly name: string;
  readonly raw: string;
}

const NAME = /^[^/]{1,128}$/;

export interface PasswordPolicyStoreOptions {
  /** Replaces `crypto.randomInt` (tests only need determinism, never weaker randomness). */
  readonly random?: RandomIntSource;
}

export class PasswordPolicyStore {
  readonly #storage: Storage;
  readonly #random: RandomIntSource | undefined;
  readonly #cache = new Map<string, PasswordPolicy>();

  constructor(storage: Storage, options: PasswordPolicyStoreOptions = {}) {
    this.#storage = storage;
    this.#random = options.random;
  }

  /** The named policy, parsed, or undefined. */
  async get(name: string): Promise<PasswordPolicy | undefined> {
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached;
    if (!NAME.test(name)) return undefined;
    const stored = await getJson<StoredPasswordPolicy>(this.#storage, name);
    if (stored === undefined) return undefined;
    const policy = await parsePasswordPolicy(stored.raw);
    this.#cache.set(name, policy);
    return policy;
  }

  /** Validates `text` and stores it under `name`, replacing any previous policy. */
  async set(name: string, text: string): Promise<PasswordPolicy> {
    if (!NAME.test(name)) {
      throw new LogicalError('invalid_field', 400, `invalid password policy name "${name}"`);
    }
    const policy = await parsePasswordPolicy(text);
    this.#cache.delete(name);
    const stored: StoredPasswordPolicy = { version: 1, name, raw: policy.raw };
    await putJson(this.#storage, name, stored);
    return policy;
  }

  /** Removes the named policy. Idempotent. */
  async delete(name: string): Promise<void> {
    this.#cache.delete(name);
    if (!NAME.test(name)) return;
    await this.#storage.delete(name);
  }

  /** The names of every stored policy, sorted. */
  async list(): Promise<string[]> {
    const keys = await this.#storage.list('');
    return keys.filter((key) => !key.endsWith('/'));
  }

  /** A password from the named policy; `not_found` when there is no such policy. */
  async generate(name: string): Promise<string> {
    const policy = await this.get(name);
    if (policy === undefined) throw notFound(`no password policy named "${name}"`);
    return generatePassword(policy, this.#random);
  }
}
