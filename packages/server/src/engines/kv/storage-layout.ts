/**
 * Where the KV engine keeps things inside its mount's storage view, and the stored shapes.
 *
 * The view is the mount's own chroot, so every key below is relative to the mount. Layout:
 *
 *   KV v1
 *     entries/<path>                   the secret: the written JSON object, as-is
 *
 *   KV v2
 *     config                           KvConfig (engine-wide max_versions, cas_required,
 *                                      delete_version_after); absent = the defaults
 *     metadata/<path>                  KeyMetadata: settings, custom metadata and one
 *                                      VersionRecord per kept version
 *     versions/<sha256(path)>/<n>      VersionData of version n (the secret fields)
 *
 * Why this shape:
 * - A secret `a` and a folder `a/` never collide: `metadata/a` and `metadata/a/b` are distinct
 *   keys, and a one-level `list("metadata/")` answers both `a` and `a/` (exactly Vault's list).
 * - Version data is keyed by a hash of the secret path, not the path itself, so deleting every
 *   version of `a` can never touch the versions of `a/1`, and no listing of `versions/` mixes
 *   secrets with folders. The metadata is the index of which versions exist.
 * - Only `metadata/` is listed; the secret values live under keys that are never listed.
 *
 * Times are stored as epoch milliseconds and printed as RFC 3339 at the edge.
 * Version numbers and every value here other than VersionData are not secret.
 */
import { hash } from 'node:crypto';
import { ClockCache } from '../../framework/clock-cache.ts';
import { badRequest } from '../../logical/errors.ts';
import { getJson, putJson } from '../../logical/storage.ts';
import type { Storage } from '../../logical/storage.ts';

export const CONFIG_KEY = 'config';

/** Engine-wide KV v2 settings (`<mount>/config`). Zero means "not set". */
export interface KvConfig {
  readonly maxVersions: number;
  readonly casRequired: boolean;
  readonly deleteVersionAfterMs: number;
}

export const DEFAULT_CONFIG: KvConfig = {
  maxVersions: 0,
  casRequired: false,
  deleteVersionAfterMs: 0,
};

/** Vault keeps ten versions when neither the key nor the engine says otherwise. */
export const DEFAULT_MAX_VERSIONS = 10;

export interface VersionRecord {
  readonly createdMs: number;
  /** When the version is (or will be) soft-deleted; null = not deleted. */
  readonly deletionMs: number | null;
  readonly destroyed: boolean;
}

export interface KeyMetadata {
  readonly createdMs: number;
  readonly updatedMs: number;
  /** 0 until the first version is written (metadata may be created on its own). */
  readonly currentVersion: number;
  /** 0 until the first trim; then the oldest version kept. As Vault reports it. */
  readonly oldestVersion: number;
  /** The key's own settings; 0 / false = defer to the engine config. */
  readonly maxVersions: number;
  readonly casRequired: boolean;
  readonly deleteVersionAfterMs: number;
  readonly customMetadata: Readonly<Record<string, string>> | null;
  /** Keyed by the decimal version number. */
  readonly versions: Readonly<Record<string, VersionRecord>>;
}

/** The stored body of one version. Secret. */
export interface VersionData {
  readonly data: Record<string, unknown>;
}

/**
 * Checks a secret path from a URL: non-empty, no leading or trailing `/`, no empty segments.
 * Vault stores such paths but they cannot be listed or read back sensibly; refusing is safer.
 */
export function assertSecretPath(path: string): void {
  if (path === '' || path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
    throw badRequest(`invalid secret path "${path}"`);
  }
}

/** The folder a list request names: `''` for the root, otherwise with a trailing `/`. */
export function listPrefix(path: string): string {
  if (path.startsWith('/') || path.includes('//')) {
    throw badRequest(`invalid folder path "${path}"`);
  }
  return path === '' || path.endsWith('/') ? path : `${path}/`;
}

// ------------------------------------------------------------------ v1

export const v1Key = (path: string): string => `entries/${path}`;
export const V1_ROOT = 'entries/';

// ------------------------------------------------------------------ v2

export const metadataKey = (path: string): string => `metadata/${path}`;
export const METADATA_ROOT = 'metadata/';

/**
 * Folders of recently used paths: every read of a version needs its folder, and a busy secret is
 * read over and over; a lookup costs a fraction of the digest. Paths are not secret.
 */
const folders = new ClockCache<string, string>({ maxEntries: 4096 });

/** The folder holding every version of `path`. */
export function versionsFolder(path: string): string {
  let folder = folders.get(path);
  if (folder === undefined) {
    folder = `versions/${hash('sha256', path)}/`;
    folders.set(path, folder);
  }
  return folder;
}

export const versionKey = (path: string, version: number): string =>
  `${versionsFolder(path)}${version}`;

export async function readConfig(storage: Storage): Promise<KvConfig> {
  return { ...DEFAULT_CONFIG, ...(await getJson<Partial<KvConfig>>(storage, CONFIG_KEY)) };
}

export function writeConfig(storage: Storage, config: KvConfig): Promise<void> {
  return putJson(storage, CONFIG_KEY, config);
}

export function readMetadata(storage: Storage, path: string): Promise<KeyMetadata | undefined> {
  return getJson<KeyMetadata>(storage, metadataKey(path));
}

export function writeMetadata(storage: Storage, path: string, meta: KeyMetadata): Promise<void> {
  return putJson(storage, metadataKey(path), meta);
}

export function readVersion(
  storage: Storage,
  path: string,
  version: number,
): Promise<VersionData | undefined> {
  return getJson<VersionData>(storage, versionKey(path, version));
}

export function writeVersion(
  storage: Storage,
  path: string,
  version: number,
  data: Record<string, unknown>,
): Promise<void> {
  const body: VersionData = { data };
  return putJson(storage, versionKey(path, version), body);
}

export function deleteVersion(storage: Storage, path: string, version: number): Promise<void> {
  return storage.delete(versionKey(path, version));
}
