/**
 * The token store: creates, looks up, renews and revokes service tokens.
 *
 * Contracts:
 * - A raw token is never stored, logged or put in an error. Storage holds only its
 *   HMAC-SHA256 under a per-server salt; lookup hashes the presented token and reads that key,
 *   so no raw token is ever compared.
 * - A token with a TTL has an auth lease in the expiration manager (`<path>/<hash>`); the lease
 *   is the source of truth for its expiry. `lookup` refuses a token whose lease is gone or past
 *   its expiry even before the expiry timer has fired.
 * - Revoking a token revokes its children (unless orphaned with `revokeOrphan`) and every
 *   secret lease it created. Revocation is idempotent.
 * - The expiration manager's `revoke` for an auth lease must call `revokeTree(lease.tokenHash)`
 *   (see `revokeLease`), which in turn deletes the lease through `forgetAuth`.
 */
import type { Clock } from '@strongroom/protocol';
import type { Logger } from 'pino';
import { StoredHmacKey } from '../../framework/hmac.ts';
import { KeyedLock } from '../../framework/keyed-lock.ts';
import { initialTtl } from '../../framework/ttl.ts';
import type { TtlBounds } from '../../logical/backend.ts';
import { LogicalError, badRequest, permissionDenied } from '../../logical/errors.ts';
import type { ConnectionMemo, RequestAuth } from '../../logical/request.ts';
import type { IssuedAuth } from '../pipeline/types.ts';
import type { AuthResult } from '../../logical/response.ts';
import { NOT_CACHED, getJson, peekJson, putJson } from '../../logical/storage.ts';
import type { NotCached, Storage } from '../../logical/storage.ts';
import { authLeaseId } from '../expiration/index.ts';
import type { ExpirationManager, LeaseEntry } from '../expiration/index.ts';
import { addressAllowed } from '../../auth/cidr.ts';
import { isoTime } from '../../framework/iso-time.ts';
import { randomBase62 } from '../random.ts';
import {
  SALT_KEY,
  accessorKey,
  childKey,
  childrenPrefix,
  entryKey,
  isPolicySubset,
  sanitizePolicies,
} from './token-entry.ts';
import type { TokenEntry } from './token-entry.ts';

/** What the store needs from the expiration manager. */
export type TokenLeases = Pick<
  ExpirationManager,
  'registerAuth' | 'renewAuth' | 'forgetAuth' | 'revokeByToken' | 'lookup' | 'peek'
>;

export interface TokenStoreDeps {
  /** The token store's own storage view. */
  readonly storage: Storage;
  readonly expiration: TokenLeases;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface CreateTokenInput {
  readonly auth: AuthResult;
  /** The creating token; undefined for logins and root generation. */
  readonly parent?: TokenEntry | undefined;
  /** The full request path (`auth/token/create`, `auth/approle/login`). */
  readonly path: string;
  /** The auth mount (`auth/approle/`); derived from `path` when omitted. */
  readonly mountPoint?: string;
  readonly bounds: TtlBounds;
  /** Create without a parent even though `parent` is given (create-orphan, no_parent). */
  readonly orphan?: boolean;
  /**
   * The caller holds sudo on the creating path: the child's policies need not be a subset of
   * the parent's. A root parent always may.
   */
  readonly sudo?: boolean;
  /** A caller-chosen token (root callers only; the backend checks). */
  readonly id?: string;
}

export interface CreatedToken {
  readonly clientToken: string;
  readonly accessor: string;
  readonly entry: TokenEntry;
  /** 0 = never expires. */
  readonly ttlMs: number;
}

/** A token as the envelope's `auth` block reports it. */
export type IssuedToken = IssuedAuth;

/** Random characters after `hvs.`: 32 base62 characters, about 190 bits. */
const TOKEN_RANDOM_CHARS = 32;
const ACCESSOR_CHARS = 24;
const MAX_TOKEN_LENGTH = 1024;
const ACCESSOR_PATTERN = /^[0-9A-Za-z._-]{1,128}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export class TokenStore {
  readonly #storage: Storage;
  readonly #expiration: TokenLeases;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #salt = new StoredHmacKey(SALT_KEY);
  /** Per-token serialisation of use counting, so concurrent requests cannot both spend a use. */
  readonly #useLocks = new KeyedLock();

  constructor(deps: TokenStoreDeps) {
    this.#storage = deps.storage;
    this.#expiration = deps.expiration;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
  }

  /** The salted hash of a raw token: the only form in which a token reaches storage or logs. */
  hash(rawToken: string): Promise<string> {
    // Every authenticated request hashes its token: see HmacSha256 for why it is not createHmac.
    return this.#salt.hex(this.#storage, rawToken);
  }

  /** The token's entry, or undefined when it is unknown, expired, exhausted or revoked. */
  async lookup(rawToken: string): Promise<TokenEntry | undefined> {
    if (rawToken === '' || rawToken.length > MAX_TOKEN_LENGTH) return undefined;
    return this.lookupByHash(await this.hash(rawToken));
  }

  /** As `lookup`, by the salted hash (`RequestAuth.tokenHash`). */
  async lookupByHash(
    hash: string,
    options: { readonly inFlightFinalUse?: boolean } = {},
  ): Promise<TokenEntry | undefined> {
    if (!HASH_PATTERN.test(hash)) return undefined;
    return (await this.#liveRecord(hash, options.inFlightFinalUse === true))?.entry;
  }

  /** The live token stored under `hash`, with its lease (null when it has none). */
  async #liveRecord(hash: string, inFlightFinalUse = false): Promise<LiveRecord | undefined> {
    const stored = await getJson<TokenEntry>(this.#storage, entryKey(hash));
    if (stored === undefined) return undefined;
    // The request spending a token's last use still sees its own token (marked -1 by
    // `consumeUse`), reported with no uses left, as Vault reports it.
    const entry = inFlightFinalUse && stored.numUses < 0 ? { ...stored, numUses: 0 } : stored;
    const lease = await this.#liveLease(entry);
    return lease === undefined ? undefined : { entry, lease };
  }

  /**
   * As `#liveRecord`, when the entry and its lease are both in the storage cache (almost every
   * request of a token in use): the same documents and the same rules, without waiting.
   */
  #peekLiveRecord(hash: string): LiveRecord | undefined | NotCached {
    const entry = peekJson(this.#storage, entryKey(hash)) as TokenEntry | undefined | NotCached;
    if (entry === NOT_CACHED || entry === undefined) return entry;
    const now = this.#clock.now();
    const rule = leaseRule(entry, now);
    if (typeof rule !== 'string') return rule === undefined ? undefined : { entry, lease: null };
    const lease = this.#expiration.peek(rule);
    if (lease === NOT_CACHED) return NOT_CACHED;
    const live = liveLease(lease, now);
    return live === undefined ? undefined : { entry, lease: live };
  }

  /** As `lookup`, by accessor. */
  async lookupByAccessor(accessor: string): Promise<TokenEntry | undefined> {
    if (!ACCESSOR_PATTERN.test(accessor)) return undefined;
    const index = await getJson<{ hash: string }>(this.#storage, accessorKey(accessor));
    if (index === undefined) return undefined;
    return this.lookupByHash(index.hash);
  }

  /** Every accessor (for `auth/token/accessors`), sorted. */
  async listAccessors(): Promise<string[]> {
    return (await this.#storage.list('accessor/')).filter((name) => !name.endsWith('/'));
  }

  /**
   * Counts one use of a use-limited token. Returns the entry with the uses left, or undefined
   * when the token can no longer be used. The use that exhausts the token revokes it (and its
   * children and leases) before returning, so no later request can use it; the returned entry
   * then shows `numUses: 0`.
   */
  async useToken(entry: TokenEntry): Promise<TokenEntry | undefined> {
    if (entry.numUses === 0) return entry;
    return this.#useLocks.run(entry.hash, async () => {
      const current = await this.lookupByHash(entry.hash);
      if (current === undefined) return undefined;
      if (current.numUses === 0) return current;
      const left = current.numUses - 1;
      if (left > 0) {
        const updated: TokenEntry = { ...current, numUses: left };
        await putJson(this.#storage, entryKey(current.hash), updated);
        return updated;
      }
      await this.revokeTree(current.hash);
      this.#logger.info({ accessor: current.accessor }, 'token revoked after its last use');
      return { ...current, numUses: 0 };
    });
  }

  /**
   * Creates a service token. Applies Vault's rules: policies normalised (`default` added unless
   * refused), a child's policies a subset of its parent's unless the parent is root or the
   * caller holds sudo, only a root parent may create a root token, TTL from the request or the
   * mount default capped by explicit max and mount max, periodic tokens living by their period.
   */
  async create(input: CreateTokenInput): Promise<CreatedToken> {
    const { auth, bounds } = input;
    const parent = input.parent;
    const parentIsRoot = parent?.policies.includes('root') === true;
    if (auth.numUses < 0) throw badRequest('number of uses cannot be negative');
    if (parent !== undefined && parent.numUses !== 0) {
      throw badRequest('restricted use token cannot generate child tokens');
    }
    const requested =
      auth.policies.length === 0 && parent !== undefined ? parent.policies : auth.policies;
    const policies = sanitizePolicies(requested, { addDefault: auth.noDefaultPolicy !== true });
    if (policies.length === 0) throw badRequest('token must have at least one policy');
    if (parent !== undefined && !parentIsRoot) {
      if (policies.includes('root')) {
        throw badRequest('root tokens may not be created without parent token being root');
      }
      if (input.sudo !== true && !isPolicySubset(policies, parent.policies)) {
        throw badRequest('child policies must be subset of parent');
      }
    }

    const explicitMaxTtlMs = Math.max(0, auth.maxTtlMs);
    const periodMs = Math.max(0, auth.periodMs);
    let ttlMs: number;
    let leaseMaxMs: number;
    if (periodMs > 0) {
      // Periodic tokens escape the mount's max; only an explicit max bounds them.
      ttlMs = explicitMaxTtlMs > 0 ? Math.min(periodMs, explicitMaxTtlMs) : periodMs;
      leaseMaxMs = explicitMaxTtlMs;
    } else if (
      policies.includes('root') &&
      auth.ttlMs <= 0 &&
      explicitMaxTtlMs === 0 &&
      parent !== undefined &&
      parent.creationTtlMs === 0
    ) {
      // A never-expiring root token may create another; a root token that expires may not.
      ttlMs = 0;
      leaseMaxMs = 0;
    } else {
      const computed = initialTtl({
        requestedMs: Math.max(0, auth.ttlMs),
        explicitMaxMs: explicitMaxTtlMs,
        defaultMs: bounds.defaultTtlMs,
        mountMaxMs: bounds.maxTtlMs,
      });
      ttlMs = computed.ttlMs;
      leaseMaxMs = computed.maxTtlMs;
    }

    const orphan = parent === undefined || input.orphan === true;
    return this.#persistNew({
      id: input.id,
      path: input.path,
      mountPoint: input.mountPoint ?? mountPointOf(input.path),
      parentHash: orphan ? undefined : parent.hash,
      policies,
      meta: { ...auth.metadata },
      displayName: auth.displayName === '' ? 'token' : auth.displayName,
      numUses: auth.numUses,
      ttlMs,
      leaseMaxMs,
      explicitMaxTtlMs,
      periodMs,
      renewable: auth.renewable && ttlMs > 0,
      orphan,
      boundCidrs: auth.boundCidrs,
      internal: auth.internal,
    });
  }

  /**
   * A root token: policy `root`, no TTL, no parent. Used by `sys/init` and `-dev`, which may
   * choose its value (`-dev-root-token-id`).
   */
  async createRoot(options: { id?: string } = {}): Promise<CreatedToken> {
    return this.#persistNew({
      id: options.id,
      path: 'auth/token/root',
      mountPoint: 'auth/token/',
      parentHash: undefined,
      policies: ['root'],
      meta: {},
      displayName: 'root',
      numUses: 0,
      ttlMs: 0,
      leaseMaxMs: 0,
      explicitMaxTtlMs: 0,
      periodMs: 0,
      renewable: false,
      orphan: true,
      boundCidrs: undefined,
      internal: undefined,
    });
  }

  /**
   * Renews a token's lease. Periodic tokens renew to their period; others to the increment
   * (0 = the TTL they were created with). Never past the explicit max or the max fixed at
   * creation. Throws 400 when the token is unknown or not renewable.
   */
  async renew(hash: string, incrementMs: number): Promise<{ entry: TokenEntry; ttlMs: number }> {
    const entry = await this.lookupByHash(hash);
    if (entry === undefined) throw badRequest('token not found');
    if (entry.creationTtlMs === 0 || !entry.renewable) {
      throw badRequest('lease is not renewable');
    }
    const wanted =
      entry.periodMs > 0 ? entry.periodMs : incrementMs > 0 ? incrementMs : entry.creationTtlMs;
    const { ttlMs } = await this.#expiration.renewAuth(authLeaseId(entry.path, entry.hash), wanted);
    return { entry, ttlMs };
  }

  /**
   * Revokes a token, all its descendants, and every secret lease any of them created.
   * Idempotent. The token is marked unusable first, so it is refused while the tree goes.
   */
  async revokeTree(hash: string): Promise<void> {
    if (!HASH_PATTERN.test(hash)) return;
    const entry = await getJson<TokenEntry>(this.#storage, entryKey(hash));
    if (entry !== undefined && entry.numUses !== -1) {
      await putJson(this.#storage, entryKey(hash), { ...entry, numUses: -1 });
    }
    for (const child of await this.#children(hash)) {
      await this.revokeTree(child);
    }
    await this.#revokeSelf(hash, entry);
  }

  /** Revokes a token and its secret leases; its children become orphans. Idempotent. */
  async revokeOrphan(hash: string): Promise<void> {
    if (!HASH_PATTERN.test(hash)) return;
    const entry = await getJson<TokenEntry>(this.#storage, entryKey(hash));
    if (entry !== undefined && entry.numUses !== -1) {
      await putJson(this.#storage, entryKey(hash), { ...entry, numUses: -1 });
    }
    for (const childHash of await this.#children(hash)) {
      const child = await getJson<TokenEntry>(this.#storage, entryKey(childHash));
      if (child !== undefined) {
        const { parentHash: _parent, ...rest } = child;
        await putJson(this.#storage, entryKey(childHash), { ...rest, orphan: true });
      }
      await this.#storage.delete(childKey(hash, childHash));
    }
    await this.#revokeSelf(hash, entry);
  }

  /**
   * The expiration manager's revoke for auth leases: wire
   * `revoke: (lease) => lease.kind === 'auth' ? tokens.revokeLease(lease) : ...`.
   */
  async revokeLease(lease: LeaseEntry): Promise<void> {
    if (lease.kind !== 'auth' || lease.tokenHash === undefined) {
      throw new LogicalError('bad_request', 400, 'not a token lease');
    }
    await this.revokeTree(lease.tokenHash);
  }

  /**
   * Vault's token lookup `data`. `id` is the raw token, given only when the caller presented
   * it (lookup, lookup-self); lookup-accessor answers with an empty id.
   */
  async toLookupData(
    entry: TokenEntry,
    options: { readonly id?: string; readonly lease?: LeaseEntry | null | undefined } = {},
  ): Promise<Record<string, unknown>> {
    const now = this.#clock.now();
    const lease =
      options.lease !== undefined
        ? (options.lease ?? undefined)
        : entry.creationTtlMs > 0
          ? await this.#expiration.lookup(authLeaseId(entry.path, entry.hash))
          : undefined;
    const expireTime = lease !== undefined && lease.expireTime !== 0 ? lease.expireTime : 0;
    const data: Record<string, unknown> = {
      accessor: entry.accessor,
      creation_time: Math.floor(entry.creationTime / 1000),
      creation_ttl: Math.floor(entry.creationTtlMs / 1000),
      display_name: entry.displayName,
      entity_id: entry.entityId,
      expire_time: expireTime === 0 ? null : isoTime(expireTime),
      explicit_max_ttl: Math.floor(entry.explicitMaxTtlMs / 1000),
      id: options.id ?? '',
      issue_time: isoTime(entry.creationTime),
      meta: Object.keys(entry.meta).length === 0 ? null : { ...entry.meta },
      num_uses: Math.max(0, entry.numUses),
      orphan: entry.orphan,
      path: entry.path,
      policies: [...entry.policies],
      renewable: lease?.renewable ?? false,
      ttl: expireTime === 0 ? 0 : Math.max(0, Math.floor((expireTime - now) / 1000)),
      type: entry.type,
    };
    if (entry.periodMs > 0) data['period'] = Math.floor(entry.periodMs / 1000);
    if (lease !== undefined && lease.lastRenewalTime !== lease.issueTime) {
      data['last_renewal_time'] = Math.floor(lease.lastRenewalTime / 1000);
      data['last_renewal'] = isoTime(lease.lastRenewalTime);
    }
    if (entry.boundCidrs !== undefined && entry.boundCidrs.length > 0) {
      data['bound_cidrs'] = [...entry.boundCidrs];
    }
    return data;
  }

  // ---- the pipeline's TokenAuthority ----

  /**
   * The caller for a raw token, or undefined when it is unknown, expired or revoked. A token
   * with bound CIDRs (`token_bound_cidrs` of the role that issued it) is refused from any other
   * address, as if it did not exist.
   */
  authenticate(
    rawToken: string,
    remoteAddress?: string,
    connection?: ConnectionMemo,
  ): Promise<RequestAuth | undefined> {
    if (rawToken === '' || rawToken.length > MAX_TOKEN_LENGTH) return Promise.resolve(undefined);
    // Every request authenticates, and its token's documents are almost always cached: then
    // the answer is at hand, and only the caller's await is paid.
    const hash = this.#peekHash(rawToken, connection);
    if (hash !== undefined) {
      const cached = this.#peekLiveRecord(hash);
      if (cached !== NOT_CACHED) return Promise.resolve(callerFor(cached, remoteAddress));
      return this.#liveRecord(hash).then((record) => callerFor(record, remoteAddress));
    }
    return this.hash(rawToken).then(async (read) =>
      callerFor(await this.#liveRecord(read), remoteAddress),
    );
  }

  /**
   * The token's lookup key when the salt is loaded (else undefined): the connection's memo when
   * it holds this token, else the HMAC, remembered for the connection's next request. The memo
   * is compared in constant time: behind a proxy that pools its connections, one connection
   * carries the tokens of many clients.
   */
  #peekHash(rawToken: string, connection: ConnectionMemo | undefined): string | undefined {
    const last = connection?.token;
    if (last !== undefined && last.owner === this && sameString(last.raw, rawToken)) {
      return last.key;
    }
    const hash = this.#salt.peekHex(rawToken);
    if (hash !== undefined && connection !== undefined) {
      connection.token = { owner: this, raw: rawToken, key: hash };
    }
    return hash;
  }

  /**
   * The caller's entry, and its lease (null when it has none), as this request was authenticated
   * with. A use-limited token is read again: its entry changes with every use, and the request
   * spending the last use still sees its own token (reported with no uses left).
   */
  async caller(auth: RequestAuth): Promise<CallerRecord | undefined> {
    const known = auth.numUses === 0 ? AuthenticatedCaller.recordOf(auth) : undefined;
    if (known !== undefined) return known;
    const entry = await this.lookupByHash(auth.tokenHash, {
      inFlightFinalUse: auth.numUses === 1,
    });
    return entry === undefined ? undefined : { entry, lease: undefined };
  }

  /**
   * Counts one use of a use-limited token before its request runs, atomically, so concurrent
   * requests can never exceed the limit. Returns 'last' when this was the final use: the token
   * is refused from now on (marked -1), and the pipeline revokes it once the request is done,
   * so the request itself (even `lookup-self`) still succeeds, as in Vault. Throws 403 when no
   * use is left.
   */
  async consumeUse(auth: RequestAuth): Promise<'ok' | 'last'> {
    return this.#useLocks.run(auth.tokenHash, async () => {
      const current = await this.lookupByHash(auth.tokenHash);
      if (current === undefined || current.numUses < 0) throw permissionDenied();
      if (current.numUses === 0) return 'ok';
      const left = current.numUses - 1;
      await putJson(this.#storage, entryKey(current.hash), {
        ...current,
        numUses: left > 0 ? left : -1,
      });
      return left > 0 ? 'ok' : 'last';
    });
  }

  /** Creates a token for a login's `auth` result (or a child of `parent`). */
  async issue(input: {
    auth: AuthResult;
    parent: RequestAuth | undefined;
    path: string;
    bounds: TtlBounds;
  }): Promise<IssuedToken> {
    const parent =
      input.parent === undefined ? undefined : await this.lookupByHash(input.parent.tokenHash);
    if (input.parent !== undefined && parent === undefined) {
      throw badRequest('parent token lookup failed: no parent found');
    }
    const created = await this.create({
      auth: input.auth,
      parent,
      path: input.path,
      bounds: input.bounds,
    });
    return toIssued(created);
  }

  // ---- internals ----

  async #persistNew(spec: {
    id: string | undefined;
    path: string;
    mountPoint: string;
    parentHash: string | undefined;
    policies: readonly string[];
    meta: Record<string, string>;
    displayName: string;
    numUses: number;
    ttlMs: number;
    leaseMaxMs: number;
    explicitMaxTtlMs: number;
    periodMs: number;
    renewable: boolean;
    orphan: boolean;
    boundCidrs: readonly string[] | undefined;
    internal: Readonly<Record<string, unknown>> | undefined;
  }): Promise<CreatedToken> {
    const clientToken = spec.id ?? `hvs.${randomBase62(TOKEN_RANDOM_CHARS)}`;
    if (clientToken === '' || clientToken.length > MAX_TOKEN_LENGTH) {
      throw badRequest('invalid token ID');
    }
    const hash = await this.hash(clientToken);
    if ((await this.#storage.get(entryKey(hash))) !== undefined) {
      throw badRequest('cannot create a token with a duplicate ID');
    }
    const accessor = randomBase62(ACCESSOR_CHARS);
    const entry: TokenEntry = {
      hash,
      accessor,
      ...(spec.parentHash === undefined ? {} : { parentHash: spec.parentHash }),
      policies: spec.policies,
      meta: spec.meta,
      displayName: spec.displayName,
      numUses: spec.numUses,
      creationTime: this.#clock.now(),
      creationTtlMs: spec.ttlMs,
      explicitMaxTtlMs: spec.explicitMaxTtlMs,
      periodMs: spec.periodMs,
      renewable: spec.renewable,
      path: spec.path,
      orphan: spec.orphan,
      type: 'service',
      entityId: '',
      ...(spec.boundCidrs === undefined ? {} : { boundCidrs: [...spec.boundCidrs] }),
      ...(spec.internal === undefined ? {} : { internal: { ...spec.internal } }),
    };
    // Indexes first, entry last: a crash leaves dangling index rows that resolve to nothing.
    await putJson(this.#storage, accessorKey(accessor), { hash });
    if (entry.parentHash !== undefined) {
      await putJson(this.#storage, childKey(entry.parentHash, hash), {});
    }
    await putJson(this.#storage, entryKey(hash), entry);
    try {
      if (spec.ttlMs > 0) {
        await this.#expiration.registerAuth({
          path: spec.path,
          mountPoint: spec.mountPoint,
          tokenHash: hash,
          ttlMs: spec.ttlMs,
          maxTtlMs: spec.leaseMaxMs,
          renewable: spec.renewable,
        });
      }
    } catch (error) {
      await this.#removeRecords(hash, entry);
      throw error;
    }
    this.#logger.debug({ accessor, path: spec.path }, 'token created');
    return { clientToken, accessor, entry, ttlMs: spec.ttlMs };
  }

  /** A live token's lease (null when it has none); undefined when the token is not live. */
  async #liveLease(entry: TokenEntry): Promise<LeaseEntry | null | undefined> {
    const now = this.#clock.now();
    const rule = leaseRule(entry, now);
    if (typeof rule !== 'string') return rule;
    return liveLease(await this.#expiration.lookup(rule), now);
  }

  async #children(hash: string): Promise<string[]> {
    return (await this.#storage.list(childrenPrefix(hash))).filter((n) => HASH_PATTERN.test(n));
  }

  async #revokeSelf(hash: string, entry: TokenEntry | undefined): Promise<void> {
    await this.#expiration.revokeByToken(hash);
    if (entry === undefined) {
      for (const child of await this.#storage.list(childrenPrefix(hash))) {
        await this.#storage.delete(childrenPrefix(hash) + child);
      }
      return;
    }
    if (entry.creationTtlMs > 0) {
      await this.#expiration.forgetAuth(authLeaseId(entry.path, hash));
    }
    await this.#removeRecords(hash, entry);
    this.#logger.info({ accessor: entry.accessor }, 'token revoked');
  }

  async #removeRecords(hash: string, entry: TokenEntry): Promise<void> {
    await this.#storage.delete(entryKey(hash));
    await this.#storage.delete(accessorKey(entry.accessor));
    if (entry.parentHash !== undefined) {
      await this.#storage.delete(childKey(entry.parentHash, hash));
    }
    for (const child of await this.#storage.list(childrenPrefix(hash))) {
      await this.#storage.delete(childrenPrefix(hash) + child);
    }
  }
}

/** A live token: its entry and its lease (null when it has none). */
interface LiveRecord {
  readonly entry: TokenEntry;
  readonly lease: LeaseEntry | null;
}

/** Equal strings, in time that depends on their lengths only. */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * What a token's liveness depends on: undefined when the entry alone rules it out (use count
 * spent, explicit max TTL reached), null when it is live without a lease (no TTL), otherwise the
 * ID of the lease that decides (see `liveLease`).
 */
function leaseRule(entry: TokenEntry, now: number): string | null | undefined {
  if (entry.numUses < 0) return undefined;
  if (entry.explicitMaxTtlMs > 0 && now >= entry.creationTime + entry.explicitMaxTtlMs) {
    return undefined;
  }
  if (entry.creationTtlMs === 0) return null;
  return authLeaseId(entry.path, entry.hash);
}

/** The token's lease if it keeps the token live: present, not being revoked, not expired. */
function liveLease(lease: LeaseEntry | undefined, now: number): LeaseEntry | undefined {
  if (lease === undefined) return undefined;
  if ((lease.revokeAttempts ?? 0) > 0) return undefined;
  return lease.expireTime === 0 || now < lease.expireTime ? lease : undefined;
}

/**
 * The caller for a live token, or undefined when there is none or it is refused from
 * `remoteAddress`: a token with bound CIDRs (`token_bound_cidrs` of the role that issued it) is
 * refused from any other address, as if it did not exist. Without an address (a lookup on
 * someone's behalf, not a use), there is nothing to bind.
 */
function callerFor(
  live: LiveRecord | undefined,
  remoteAddress: string | undefined,
): RequestAuth | undefined {
  if (live === undefined) return undefined;
  const cidrs = live.entry.boundCidrs;
  if (cidrs !== undefined && remoteAddress !== undefined && !addressAllowed(remoteAddress, cidrs)) {
    return undefined;
  }
  return new AuthenticatedCaller(live);
}

/** A caller's entry and lease (null: none; undefined: not read) as authenticated. */
export interface CallerRecord {
  readonly entry: TokenEntry;
  readonly lease: LeaseEntry | null | undefined;
}

/** The pipeline's view of a token. Carries the hash and accessor, never the token. */
class TokenCaller implements RequestAuth {
  readonly accessor: string;
  readonly tokenHash: string;
  readonly policies: readonly string[];
  readonly displayName: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly entityId: string;
  readonly root: boolean;
  readonly numUses: number;

  constructor(entry: TokenEntry) {
    this.accessor = entry.accessor;
    this.tokenHash = entry.hash;
    this.policies = [...entry.policies];
    this.displayName = entry.displayName;
    this.metadata = { ...entry.meta };
    this.entityId = entry.entityId;
    this.root = entry.policies.includes('root');
    this.numUses = entry.numUses;
  }
}

/**
 * A caller as `authenticate` returns it: the pipeline's view of the token, and, private, the
 * entry and lease it was authenticated with, so the same request can use them again
 * (`lookup-self` reports the entry and lease its request was authenticated with, as Vault does)
 * instead of reading both a second and third time. Held only as long as the request holds its
 * caller; a copy (a spread) is a plain RequestAuth and is looked up again. (A WeakMap keyed by
 * the caller did the same and cost about a microsecond per request to fill.)
 */
class AuthenticatedCaller extends TokenCaller {
  readonly #record: CallerRecord;

  constructor(record: CallerRecord) {
    super(record.entry);
    this.#record = record;
  }

  static recordOf(auth: RequestAuth): CallerRecord | undefined {
    return #record in auth ? auth.#record : undefined;
  }
}

/** The pipeline's view of a token. Carries the hash and accessor, never the token. */
export function toRequestAuth(entry: TokenEntry): RequestAuth {
  return new TokenCaller(entry);
}

function toIssued(created: CreatedToken): IssuedToken {
  const { entry } = created;
  return {
    clientToken: created.clientToken,
    accessor: created.accessor,
    policies: [...entry.policies],
    tokenPolicies: [...entry.policies],
    metadata: Object.keys(entry.meta).length === 0 ? null : { ...entry.meta },
    ttlMs: created.ttlMs,
    renewable: entry.renewable,
    entityId: entry.entityId,
    tokenType: 'service',
    orphan: entry.orphan,
    numUses: entry.numUses,
  };
}

/** `auth/approle/login` → `auth/approle/`; anything else → its first segment. */
export function mountPointOf(path: string): string {
  const segments = path.replace(/^\/+/, '').split('/');
  const take = segments[0] === 'auth' ? 2 : 1;
  return `${segments.slice(0, take).join('/')}/`;
}
