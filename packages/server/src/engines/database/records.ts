/**
 * What the engine keeps in its mount's storage (encrypted by the barrier), as Vault lays it out:
 *   config/<name>       ConnectionEntry (holds the admin password)
 *   role/<name>         RoleEntry
 *   static-role/<name>  StaticRoleEntry (holds the static user's current password)
 */
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

export const CONFIG_PREFIX = 'config/';
export const ROLE_PREFIX = 'role/';
export const STATIC_ROLE_PREFIX = 'static-role/';

export const readConnection = (
  storage: Storage,
  name: string,
): Promise<ConnectionEntry | undefined> => getJson<ConnectionEntry>(storage, CONFIG_PREFIX + name);
export const writeConnection = (storage: Storage, entry: ConnectionEntry): Promise<void> =>
  putJson(storage, CONFIG_PREFIX + entry.name, entry);

export const readRole = (storage: Storage, name: string): Promise<RoleEntry | undefined> =>
  getJson<RoleEntry>(storage, ROLE_PREFIX + name);
export const writeRole = (storage: Storage, name: string, entry: RoleEntry): Promise<void> =>
  putJson(storage, ROLE_PREFIX + name, entry);

export const readStaticRole = (
  storage: Storage,
  name: string,
): Promise<StaticRoleEntry | undefined> =>
  getJson<StaticRoleEntry>(storage, STATIC_ROLE_PREFIX + name);
export const writeStaticRole = (
  storage: Storage,
  name: string,
  entry: StaticRoleEntry,
): Promise<void> => putJson(storage, STATIC_ROLE_PREFIX + name, entry);

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
