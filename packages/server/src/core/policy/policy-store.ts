/**
 * Durable named policies and the compiled-ACL cache.
 *
 * Storage layout (inside the Storage handed in, normally the system barrier view):
 * `policy/<name>` holds `{ "version": 1, "name": ..., "raw": ... }`. Only the raw text is
 * persisted; it is parsed again on load, so a parser fix applies to existing policies.
 *
 * Contracts:
 * - `set` parses before writing: an invalid document stores nothing and throws `invalid_policy`.
 * - `root` is never stored; writing or deleting it is refused. `default` can be rewritten but
 *   not deleted, and `setup` creates it only when absent (an operator's edits survive).
 * - Parsed policies and compiled ACLs are cached; every `set`/`delete` through this store drops
 *   both caches. An ACL compiled while a write was in flight is returned but not cached, so a
 *   cache entry never outlives the write that made it stale.
 * - The store assumes it is the only writer of `policy/` (one active node, as Vault).
 */
import { ClockCache } from '../../framework/clock-cache.ts';
import { LogicalError } from '../../logical/errors.ts';
import { getJson, putJson } from '../../logical/storage.ts';
import type { Storage } from '../../logical/storage.ts';
import { ACL } from './acl.ts';
import {
  DEFAULT_POLICY_NAME,
  DEFAULT_POLICY_TEXT,
  IMMUTABLE_POLICIES,
  ROOT_POLICY,
  ROOT_POLICY_NAME,
  UNDELETABLE_POLICIES,
} from './builtin.ts';
import { normalizePolicyName, parsePolicy } from './parse.ts';
import type { Policy } from './parse.ts';
import type { PolicyIdentity } from './template.ts';

const PREFIX = 'policy/';

interface StoredPolicy {
  readonly version: 1;
  readonly name: string;
  readonly raw: string;
}

export interface PolicyStoreOptions {
  /** Most compiled ACLs kept; the least recently used is evicted first. Default 1024. */
  readonly aclCacheSize?: number;
}

export class PolicyStore {
  readonly #storage: Storage;
  readonly #aclCacheSize: number;
  readonly #policies = new Map<string, Policy | null>();
  readonly #acls = new Map<string, ACL>();
  /**
   * The same ACLs by the token's policy list exactly as given, for callers without an identity
   * (every request's authorization): one join and one lookup instead of normalising, sorting and
   * re-keying the set. Cleared with the rest; bounded like #acls.
   */
  readonly #byList: ClockCache<string, ACL>;
  /** Name-set keys whose policies include templated paths. */
  readonly #templatedSets = new Set<string>();
  /** Bumped on every write; a compile that straddles a bump is not cached. */
  #generation = 0;

  constructor(storage: Storage, options: PolicyStoreOptions = {}) {
    this.#storage = storage;
    this.#aclCacheSize = options.aclCacheSize ?? 1024;
    this.#byList = new ClockCache({ maxEntries: this.#aclCacheSize });
  }

  /** Writes the built-in `default` policy if no `default` is stored. Idempotent. */
  async setup(): Promise<void> {
    const existing = await getJson<StoredPolicy>(this.#storage, PREFIX + DEFAULT_POLICY_NAME);
    if (existing === undefined) {
      await this.set(DEFAULT_POLICY_NAME, DEFAULT_POLICY_TEXT);
    }
  }

  /** The named policy, or undefined. `root` reads as an empty document. */
  async get(name: string): Promise<Policy | undefined> {
    const normalized = normalizePolicyName(name);
    if (normalized === ROOT_POLICY_NAME) return ROOT_POLICY;
    const cached = this.#policies.get(normalized);
    if (cached !== undefined) return cached ?? undefined;
    const generation = this.#generation;
    const stored = await getJson<StoredPolicy>(this.#storage, PREFIX + normalized);
    const policy = stored === undefined ? null : await parsePolicy(normalized, stored.raw);
    if (generation === this.#generation) this.#policies.set(normalized, policy);
    return policy ?? undefined;
  }

  /** Creates or replaces a policy. Parses first; nothing is written when the text is invalid. */
  async set(name: string, text: string): Promise<Policy> {
    const normalized = normalizePolicyName(name);
    if (IMMUTABLE_POLICIES.includes(normalized)) {
      throw new LogicalError('invalid_policy', 400, `cannot update "${normalized}" policy`);
    }
    const policy = await parsePolicy(normalized, text);
    const entry: StoredPolicy = { version: 1, name: normalized, raw: text };
    this.#invalidate();
    await putJson(this.#storage, PREFIX + normalized, entry);
    this.#invalidate();
    return policy;
  }

  /** Removes a policy. Succeeds when it does not exist; refuses `root` and `default`. */
  async delete(name: string): Promise<void> {
    const normalized = normalizePolicyName(name);
    if (UNDELETABLE_POLICIES.includes(normalized)) {
      throw new LogicalError('invalid_policy', 400, `cannot delete "${normalized}" policy`);
    }
    this.#invalidate();
    await this.#storage.delete(PREFIX + normalized);
    this.#invalidate();
  }

  /** Stored policy names, sorted, followed by `root` (which is never stored), as Vault lists. */
  async list(): Promise<string[]> {
    const keys = await this.#storage.list(PREFIX);
    const names = keys.filter((key) => !key.endsWith('/')).sort();
    return [...names, ROOT_POLICY_NAME];
  }

  /**
   * The ACL for a token's policy names. Unknown names grant nothing (as Vault: a token may
   * outlive a policy). Cached by the sorted, deduplicated, normalised name set; when the set
   * holds templated policies (the built-in `default` does), the key also includes `identity`,
   * since the rendered paths differ per caller.
   */
  async acl(names: readonly string[], identity?: PolicyIdentity): Promise<ACL> {
    if (identity === undefined) {
      const hit = this.cachedAcl(names);
      if (hit !== undefined) return hit;
    }
    const generation = this.#generation;
    const acl = await this.#aclForSet(names, identity);
    if (identity === undefined && generation === this.#generation) {
      this.#byList.set(listKey(names), acl);
    }
    return acl;
  }

  /** The ACL for `names` (no identity) when it is cached, without waiting. */
  cachedAcl(names: readonly string[]): ACL | undefined {
    return this.#byList.get(listKey(names));
  }

  async #aclForSet(names: readonly string[], identity?: PolicyIdentity): Promise<ACL> {
    const normalized = [...new Set(names.map(normalizePolicyName))].sort();
    const setKey = normalized.join('\n');
    const templatedSet = this.#templatedSets.has(setKey);
    const cached = this.#acls.get(templatedSet ? identityKey(setKey, identity) : setKey);
    if (cached !== undefined) {
      this.#touch(templatedSet ? identityKey(setKey, identity) : setKey, cached);
      return cached;
    }
    const generation = this.#generation;
    const policies: Policy[] = [];
    for (const name of normalized) {
      const policy = await this.get(name);
      if (policy !== undefined) policies.push(policy);
    }
    const acl = new ACL(policies, identity === undefined ? {} : { identity });
    if (generation === this.#generation) {
      const templated = policies.some((policy) => policy.templated);
      if (templated) this.#templatedSets.add(setKey);
      this.#touch(templated ? identityKey(setKey, identity) : setKey, acl);
    }
    return acl;
  }

  /** Inserts or refreshes a cache entry as most recently used, evicting the oldest if full. */
  #touch(key: string, acl: ACL): void {
    this.#acls.delete(key);
    this.#acls.set(key, acl);
    if (this.#acls.size > this.#aclCacheSize) {
      const oldest = this.#acls.keys().next();
      if (oldest.done !== true) this.#acls.delete(oldest.value);
    }
  }

  #invalidate(): void {
    this.#generation++;
    this.#policies.clear();
    this.#acls.clear();
    this.#byList.clear();
    this.#templatedSets.clear();
  }
}

function identityKey(setKey: string, identity: PolicyIdentity | undefined): string {
  return `${setKey}\u0000${JSON.stringify(identity ?? null)}`;
}

/** The `#byList` key: the policy names exactly as the token lists them. */
function listKey(names: readonly string[]): string {
  return names.join('\n');
}
