/**
 * What the engine keeps in its mount's storage (encrypted by the barrier), as Vault lays it out:
 *   config/<name>       ConnectionEntry (holds the admin password)
 *   role/<name>         RoleEntry
 *   static-role/<name>  StaticRoleEntry (holds the static user's current password)
 */
import { badRequest } from '../../logical/errors.ts';
import { getJson, putJson } from '../../logical/storage.ts';
import type { Storage } from '../../logical/storage.ts';
import type { PluginName } from './plugin.ts';

export interface ConnectionEntry {
  readonly name: string;
  readonly pluginName: PluginName;
  readonly connectionUrl: string;
  readonly username: string;
  /** The admin password. Never returned by a read. */
  readonly password: string;
  readonly allowedRoles: readonly string[];
  readonly verifyConnection: boolean;
  readonly maxOpenConnections: number;
  readonly maxIdleConnections: number;
  readonly maxConnectionLifetimeMs: number;
  readonly passwordPolicy: string;
  readonly usernameTemplate: string;
  readonly rootRotationStatements: readonly string[];
  /**
   * Set while a root rotation is under way: the password being installed. A rotation that was
   * interrupted is retried with the same password, so it is idempotent.
   */
  readonly pendingRootPassword?: string;
}

export interface RoleEntry {
  readonly dbName: string;
  readonly creationStatements: readonly string[];
  readonly revocationStatements: readonly string[];
  readonly renewStatements: readonly string[];
  readonly rollbackStatements: readonly string[];
  /** 0 = the mount's default. */
  readonly defaultTtlMs: number;
  /** 0 = the mount's max. */
  readonly maxTtlMs: number;
}

export interface StaticRoleEntry {
  readonly dbName: string;
  readonly username: string;
  readonly rotationPeriodMs: number;
  readonly rotationStatements: readonly string[];
  /** The password the database user has (once a rotation has committed). */
  readonly password?: string;
  /** Epoch milliseconds of the last committed rotation. */
  readonly lastRotationMs?: number;
  /**
   * Written before the ALTER, cleared at commit: a rotation interrupted between the two is
   * retried with this same password, so the stored and the real password converge.
   */
  readonly pendingPassword?: string;
  /** Failed rotation attempts since the last success (for backoff). */
  readonly failures?: number;
}

/**
 * One kind of stored document: JSON under `<prefix><name>`. The storage key is also the key of
 * the engine lock that serialises the document's read-modify-write (edits, rotations).
 */
export class DocumentStore<E> {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The storage key, and lock key, of document `name`. */
  key(name: string): string {
    return this.prefix + name;
  }

  read(storage: Storage, name: string): Promise<E | undefined> {
    return getJson<E>(storage, this.key(name));
  }

  write(storage: Storage, name: string, entry: E): Promise<void> {
    return putJson(storage, this.key(name), entry);
  }

  delete(storage: Storage, name: string): Promise<void> {
    return storage.delete(this.key(name));
  }

  /** The stored names, leaving out folders. */
  async names(storage: Storage): Promise<string[]> {
    return (await storage.list(this.prefix)).filter((name) => !name.endsWith('/'));
  }
}

export const connectionStore = new DocumentStore<ConnectionEntry>('config/');
export const roleStore = new DocumentStore<RoleEntry>('role/');
export const staticRoleStore = new DocumentStore<StaticRoleEntry>('static-role/');

/** The stored connection `name`; Vault's 400 when there is none. */
export async function requireConnection(storage: Storage, name: string): Promise<ConnectionEntry> {
  const entry = await connectionStore.read(storage, name);
  if (entry === undefined) throw badRequest(`no database connection named "${name}"`);
  return entry;
}

/** Vault's `allowed_roles`: `*` allows all; entries may contain `*` globs. */
export function roleAllowed(allowed: readonly string[], role: string): boolean {
  return allowed.some((pattern) => {
    if (pattern === '*') return true;
    if (!pattern.includes('*')) return pattern === role;
    const regex = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return regex.test(role);
  });
}

/** Seconds, as Vault's API shows durations. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);
