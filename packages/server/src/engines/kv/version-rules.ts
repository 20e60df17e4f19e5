/**
 * KV v2 rules as pure functions of stored state and `now`: effective settings, check-and-set,
 * version trimming, soft-delete status, and the shapes Vault prints.
 */
import { formatDuration } from '@strongroom/protocol';
import { LogicalError } from '../../logical/errors.ts';
import { DEFAULT_MAX_VERSIONS } from './storage-layout.ts';
import type { KeyMetadata, KvConfig, VersionRecord } from './storage-layout.ts';

/** RFC 3339 in UTC as Go's `RFC3339Nano` prints it: trailing fraction zeros dropped. */
export function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  const [whole = iso, fraction = ''] = iso.slice(0, -1).split('.');
  const digits = fraction.replace(/0+$/, '');
  return digits === '' ? `${whole}Z` : `${whole}.${digits}Z`;
}

/** The key's max_versions, else the engine's, else ten. */
export function effectiveMaxVersions(meta: KeyMetadata, config: KvConfig): number {
  if (meta.maxVersions > 0) return meta.maxVersions;
  if (config.maxVersions > 0) return config.maxVersions;
  return DEFAULT_MAX_VERSIONS;
}

/** The shorter of the key's and the engine's delete_version_after (0 = never). */
export function effectiveDeleteVersionAfter(
  meta: Pick<KeyMetadata, 'deleteVersionAfterMs'> | undefined,
  config: KvConfig,
): number {
  const values = [meta?.deleteVersionAfterMs ?? 0, config.deleteVersionAfterMs].filter(
    (v) => v > 0,
  );
  return values.length === 0 ? 0 : Math.min(...values);
}

/**
 * Check-and-set. `cas` is required when the key or the engine says so; when given it must equal
 * the current version (0 = the key must not have a version yet).
 */
export function checkAndSet(
  meta: KeyMetadata | undefined,
  config: KvConfig,
  cas: number | undefined,
): void {
  const required = config.casRequired || meta?.casRequired === true;
  if (cas === undefined) {
    if (required) {
      throw new LogicalError(
        'check_and_set',
        400,
        'check-and-set parameter required for this call',
      );
    }
    return;
  }
  if (cas !== (meta?.currentVersion ?? 0)) {
    throw new LogicalError(
      'check_and_set',
      400,
      'check-and-set parameter did not match the current version',
    );
  }
}

/**
 * Drops the versions beyond `maxVersions`, counting back from the current one, as Vault does
 * (including its `oldest_version` arithmetic). Returns the new metadata and the versions whose
 * data must be deleted from storage.
 */
export function trimVersions(
  meta: KeyMetadata,
  maxVersions: number,
): { meta: KeyMetadata; removed: number[] } {
  if (meta.currentVersion - meta.oldestVersion < maxVersions) return { meta, removed: [] };
  const lastToRemove = meta.currentVersion - maxVersions;
  const versions: Record<string, VersionRecord> = {};
  const removed: number[] = [];
  for (const [key, record] of Object.entries(meta.versions)) {
    if (Number(key) <= lastToRemove) removed.push(Number(key));
    else versions[key] = record;
  }
  return {
    meta: { ...meta, versions, oldestVersion: lastToRemove + 1 },
    removed: removed.sort((a, b) => a - b),
  };
}

/** A soft-deleted version: its deletion time has come (a scheduled one counts from then on). */
export function isDeleted(record: VersionRecord, nowMs: number): boolean {
  return record.deletionMs !== null && record.deletionMs <= nowMs;
}

/** Whether a version's data can be returned. */
export function isLive(record: VersionRecord, nowMs: number): boolean {
  return !record.destroyed && !isDeleted(record, nowMs);
}

/** The per-version metadata of data reads and writes. */
export function versionMetadata(
  meta: KeyMetadata,
  version: number,
  record: VersionRecord,
): Record<string, unknown> {
  // Documents read through the storage cache are frozen and shared by every read of them: the
  // view of a cached version is then built once, frozen too (so the audit log also reuses its
  // hashed copy). Keyed by the record, checked against the metadata it was built with.
  const cacheable = Object.isFrozen(record) && Object.isFrozen(meta);
  if (cacheable) {
    const hit = metadataViews.get(record);
    if (hit !== undefined && hit.meta === meta && hit.version === version) return hit.view;
  }
  const view = {
    created_time: rfc3339(record.createdMs),
    custom_metadata: meta.customMetadata === null ? null : { ...meta.customMetadata },
    deletion_time: record.deletionMs === null ? '' : rfc3339(record.deletionMs),
    destroyed: record.destroyed,
    version,
  };
  if (cacheable) {
    if (view.custom_metadata !== null) Object.freeze(view.custom_metadata);
    metadataViews.set(record, { meta, version, view: Object.freeze(view) });
  }
  return view;
}

const metadataViews = new WeakMap<
  VersionRecord,
  { readonly meta: KeyMetadata; readonly version: number; readonly view: Record<string, unknown> }
>();

/** The body of `metadata/<path>` reads. */
export function keyMetadataView(meta: KeyMetadata): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  for (const [key, record] of Object.entries(meta.versions)) {
    versions[key] = {
      created_time: rfc3339(record.createdMs),
      deletion_time: record.deletionMs === null ? '' : rfc3339(record.deletionMs),
      destroyed: record.destroyed,
    };
  }
  return {
    cas_required: meta.casRequired,
    created_time: rfc3339(meta.createdMs),
    current_version: meta.currentVersion,
    custom_metadata: meta.customMetadata === null ? null : { ...meta.customMetadata },
    delete_version_after: formatDuration(meta.deleteVersionAfterMs),
    max_versions: meta.maxVersions,
    oldest_version: meta.oldestVersion,
    updated_time: rfc3339(meta.updatedMs),
    versions,
  };
}

/** A fresh metadata entry (first write, or a metadata write for a new key). */
export function newMetadata(nowMs: number): KeyMetadata {
  return {
    createdMs: nowMs,
    updatedMs: nowMs,
    currentVersion: 0,
    oldestVersion: 0,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfterMs: 0,
    customMetadata: null,
    versions: {},
  };
}

/**
 * Replaces the paths under `data` whose value is a non-empty object by their subkeys, and every
 * other value by null. `depth` > 0 treats keys at that nesting level as leaves.
 */
export function subkeysOf(
  data: Readonly<Record<string, unknown>>,
  depth: number,
  level = 1,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const nested =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0 &&
      (depth === 0 || level < depth);
    Object.defineProperty(out, key, {
      value: nested ? subkeysOf(value as Record<string, unknown>, depth, level + 1) : null,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
