/**
 * AppRole storage, inside the mount's own view:
 *
 *   salt                              32 random bytes, created on first use (per mount)
 *   role/<name>                       RoleEntry (names are lower-cased: case-insensitive)
 *   role_id/<hmac(role_id)>           { name }: login resolves a role ID through this index
 *   secret_id/<hmac(name)>/<hmac(id)> SecretIdEntry
 *   accessor/<accessor>               { roleKey, secretKey }: accessor -> secret ID entry
 *   spent/<hmac(id)>                  { until }: a secret ID whose last use is spent
 *
 * Contracts:
 * - A secret ID is never stored: only its HMAC-SHA256 under the mount's salt, so a storage
 *   dump reveals nothing that logs in. Lookups hash the presented value and read that key; no
 *   raw value is ever compared.
 * - A secret ID's remaining uses are read, checked and written under an in-process lock per
 *   secret ID (`consumeSecretId`), so concurrent logins can never spend more uses than it has.
 * - Index rows are written before the entry and removed after it; a crash leaves index rows
 *   that resolve to nothing, which lookups treat as absent and `tidy` removes.
 */
import { getJson, putJson } from '../../logical/storage.ts';
import type { Storage } from '../../logical/storage.ts';
import { addressAllowed } from '../cidr.ts';
import { StoredHmacKey } from '../../framework/hmac.ts';
import { KeyedLock } from '../../framework/keyed-lock.ts';
import type { TokenSettings } from '../token-fields.ts';

export interface RoleEntry {
  readonly name: string;
  readonly roleId: string;
  readonly bindSecretId: boolean;
  readonly secretIdBoundCidrs: readonly string[];
  /** Default uses of a new secret ID (0 = unlimited). */
  readonly secretIdNumUses: number;
  /** Default lifetime of a new secret ID (0 = no expiry). */
  readonly secretIdTtlMs: number;
  readonly localSecretIds: boolean;
  readonly token: TokenSettings;
}

export interface SecretIdEntry {
  readonly accessor: string;
  readonly roleName: string;
  /** Uses left (0 = unlimited). A limited secret ID is deleted when its last use is spent. */
  readonly usesLeft: number;
  /** The lifetime it was issued with (0 = none), for lookups. */
  readonly ttlMs: number;
  readonly cidrList: readonly string[];
  readonly tokenBoundCidrs: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly creationTime: number;
  /** 0 = never expires. */
  readonly expirationTime: number;
  readonly lastUpdatedTime: number;
}

interface AccessorIndex {
  readonly roleKey: string;
  readonly secretKey: string;
}

/** Why a presented secret ID was refused (the login turns each into its own message). */
export type SecretIdRefusal = 'invalid' | 'expired' | 'exhausted' | 'cidr';

export type ConsumeResult =
  | { readonly ok: true; readonly entry: SecretIdEntry }
  | { readonly ok: false; readonly reason: SecretIdRefusal };

/** How long a spent secret ID is remembered, to answer "no uses left" instead of "invalid". */
export const SPENT_RETENTION_MS = 24 * 3_600_000;

const SALT_KEY = 'salt';

export class AppRoleStore {
  readonly #locks = new KeyedLock();
  readonly #salt = new StoredHmacKey(SALT_KEY);

  /** HMAC-SHA256 of `value` under the mount's salt, hex. */
  async hmac(storage: Storage, value: string): Promise<string> {
    return this.#salt.hex(storage, value);
  }

  // ---- roles ----

  async role(storage: Storage, name: string): Promise<RoleEntry | undefined> {
    return getJson<RoleEntry>(storage, roleKey(name));
  }

  async listRoles(storage: Storage): Promise<string[]> {
    return (await storage.list('role/')).filter((k) => !k.endsWith('/'));
  }

  async roleByRoleId(storage: Storage, roleId: string): Promise<RoleEntry | undefined> {
    const index = await getJson<{ name: string }>(
      storage,
      `role_id/${await this.hmac(storage, roleId)}`,
    );
    if (index === undefined) return undefined;
    const role = await this.role(storage, index.name);
    // A stale index row (role re-keyed or deleted mid-way) must not resolve.
    return role?.roleId === roleId ? role : undefined;
  }

  /** The role that holds `roleId`, if any (for the uniqueness check). */
  async roleIdOwner(storage: Storage, roleId: string): Promise<string | undefined> {
    return (await this.roleByRoleId(storage, roleId))?.name;
  }

  async putRole(storage: Storage, role: RoleEntry, previous: RoleEntry | undefined): Promise<void> {
    await putJson(storage, `role_id/${await this.hmac(storage, role.roleId)}`, {
      name: role.name,
    });
    await putJson(storage, roleKey(role.name), role);
    if (previous !== undefined && previous.roleId !== role.roleId) {
      await storage.delete(`role_id/${await this.hmac(storage, previous.roleId)}`);
    }
  }

  /** Deletes a role, its role ID index and every secret ID issued for it. Idempotent. */
  async deleteRole(storage: Storage, name: string): Promise<void> {
    const role = await this.role(storage, name);
    const prefix = await this.#secretPrefix(storage, name);
    for (const secretKey of await storage.list(prefix)) {
      const entry = await getJson<SecretIdEntry>(storage, prefix + secretKey);
      await storage.delete(prefix + secretKey);
      if (entry !== undefined) await storage.delete(`accessor/${entry.accessor}`);
    }
    await storage.delete(roleKey(name));
    if (role !== undefined) {
      await storage.delete(`role_id/${await this.hmac(storage, role.roleId)}`);
    }
  }

  // ---- secret IDs ----

  /** Stores a new secret ID; refuses (returns false) when the same value already exists. */
  async putSecretId(
    storage: Storage,
    roleName: string,
    secretId: string,
    entry: SecretIdEntry,
  ): Promise<boolean> {
    const secretHash = await this.hmac(storage, secretId);
    const key = (await this.#secretPrefix(storage, roleName)) + secretHash;
    return this.#locks.run(secretHash, async () => {
      if ((await storage.get(key)) !== undefined) return false;
      await putJson(storage, `accessor/${entry.accessor}`, {
        roleKey: await this.hmac(storage, roleName),
        secretKey: secretHash,
      } satisfies AccessorIndex);
      await putJson(storage, key, entry);
      return true;
    });
  }

  async secretIdByValue(
    storage: Storage,
    roleName: string,
    secretId: string,
  ): Promise<SecretIdEntry | undefined> {
    const key =
      (await this.#secretPrefix(storage, roleName)) + (await this.hmac(storage, secretId));
    return getJson<SecretIdEntry>(storage, key);
  }

  async secretIdByAccessor(
    storage: Storage,
    roleName: string,
    accessor: string,
  ): Promise<{ entry: SecretIdEntry; key: string } | undefined> {
    if (!/^[0-9A-Za-z-]{1,128}$/.test(accessor)) return undefined;
    const index = await getJson<AccessorIndex>(storage, `accessor/${accessor}`);
    if (index === undefined) return undefined;
    // The accessor must belong to this role: one role's caller cannot reach another's IDs.
    if (index.roleKey !== (await this.hmac(storage, roleName))) return undefined;
    const key = `secret_id/${index.roleKey}/${index.secretKey}`;
    const entry = await getJson<SecretIdEntry>(storage, key);
    return entry === undefined ? undefined : { entry, key };
  }

  /** Accessors of the role's secret IDs, sorted. */
  async listAccessors(storage: Storage, roleName: string): Promise<string[]> {
    const prefix = await this.#secretPrefix(storage, roleName);
    const accessors: string[] = [];
    for (const key of await storage.list(prefix)) {
      const entry = await getJson<SecretIdEntry>(storage, prefix + key);
      if (entry !== undefined) accessors.push(entry.accessor);
    }
    return accessors.sort();
  }

  async destroyByValue(storage: Storage, roleName: string, secretId: string): Promise<void> {
    const secretHash = await this.hmac(storage, secretId);
    const key = (await this.#secretPrefix(storage, roleName)) + secretHash;
    await this.#locks.run(secretHash, () => this.#deleteEntry(storage, key));
  }

  async destroyByAccessor(storage: Storage, roleName: string, accessor: string): Promise<void> {
    const found = await this.secretIdByAccessor(storage, roleName, accessor);
    if (found === undefined) return;
    const secretHash = found.key.slice(found.key.lastIndexOf('/') + 1);
    await this.#locks.run(secretHash, () => this.#deleteEntry(storage, found.key));
  }

  /**
   * Checks a presented secret ID for a login and spends one of its uses, atomically per secret
   * ID. Order: exists -> not expired -> source address allowed -> a use left; a refused request
   * spends nothing. The last use deletes the entry and leaves a `spent/` marker, so a later
   * login with it is told the uses are gone rather than that it is unknown.
   */
  async consumeSecretId(
    storage: Storage,
    input: { roleName: string; secretId: string; now: number; remoteAddress: string },
  ): Promise<ConsumeResult> {
    const secretHash = await this.hmac(storage, input.secretId);
    const key = (await this.#secretPrefix(storage, input.roleName)) + secretHash;
    return this.#locks.run(secretHash, async (): Promise<ConsumeResult> => {
      const entry = await getJson<SecretIdEntry>(storage, key);
      if (entry === undefined) {
        const spent = await getJson<{ until: number }>(storage, `spent/${secretHash}`);
        return {
          ok: false,
          reason: spent !== undefined && spent.until > input.now ? 'exhausted' : 'invalid',
        };
      }
      if (entry.expirationTime !== 0 && input.now >= entry.expirationTime) {
        return { ok: false, reason: 'expired' };
      }
      if (!addressAllowed(input.remoteAddress, entry.cidrList))
        return { ok: false, reason: 'cidr' };
      if (entry.usesLeft === 0) return { ok: true, entry };
      if (entry.usesLeft === 1) {
        await putJson(storage, `spent/${secretHash}`, { until: input.now + SPENT_RETENTION_MS });
        await this.#deleteEntry(storage, key);
        return { ok: true, entry: { ...entry, usesLeft: 0 } };
      }
      const updated: SecretIdEntry = {
        ...entry,
        usesLeft: entry.usesLeft - 1,
        lastUpdatedTime: input.now,
      };
      await putJson(storage, key, updated);
      return { ok: true, entry: updated };
    });
  }

  /**
   * Removes expired secret IDs, secret IDs of deleted roles, accessor rows that resolve to
   * nothing and spent markers past their retention. Returns how many records went.
   */
  async tidy(storage: Storage, now: number): Promise<{ removed: number }> {
    let removed = 0;
    const liveRoleKeys = new Set<string>();
    for (const name of await this.listRoles(storage)) {
      liveRoleKeys.add(await this.hmac(storage, name));
    }
    for (const roleDir of await storage.list('secret_id/')) {
      const roleKeyHash = roleDir.replace(/\/$/, '');
      const prefix = `secret_id/${roleDir}`;
      for (const secretKey of await storage.list(prefix)) {
        await this.#locks.run(secretKey, async () => {
          const entry = await getJson<SecretIdEntry>(storage, prefix + secretKey);
          if (entry === undefined) return;
          const expired = entry.expirationTime !== 0 && now >= entry.expirationTime;
          if (expired || !liveRoleKeys.has(roleKeyHash)) {
            await this.#deleteEntry(storage, prefix + secretKey);
            removed++;
          }
        });
      }
    }
    for (const accessor of await storage.list('accessor/')) {
      const index = await getJson<AccessorIndex>(storage, `accessor/${accessor}`);
      const target =
        index === undefined
          ? undefined
          : await storage.get(`secret_id/${index.roleKey}/${index.secretKey}`);
      if (target === undefined) {
        await storage.delete(`accessor/${accessor}`);
        removed++;
      }
    }
    for (const spentKey of await storage.list('spent/')) {
      const spent = await getJson<{ until: number }>(storage, `spent/${spentKey}`);
      if (spent === undefined || spent.until <= now) {
        await storage.delete(`spent/${spentKey}`);
        removed++;
      }
    }
    return { removed };
  }

  async #deleteEntry(storage: Storage, key: string): Promise<void> {
    const entry = await getJson<SecretIdEntry>(storage, key);
    await storage.delete(key);
    if (entry !== undefined) await storage.delete(`accessor/${entry.accessor}`);
  }

  async #secretPrefix(storage: Storage, roleName: string): Promise<string> {
    return `secret_id/${await this.hmac(storage, roleName)}/`;
  }
}

function roleKey(name: string): string {
  return `role/${name}`;
}
