/**
 * KV v2 `data/<path>`: read a version, write a new version, merge-patch the latest into a new
 * version, soft-delete the latest.
 *
 * Contracts, as Vault's:
 * - read answers the latest version or `?version=N`. A secret or version that does not exist is
 *   404 `{"errors":[]}`; a deleted or destroyed version is 404 too but its body still carries
 *   `data: {data: null, metadata: {...}}`, which clients inspect;
 * - write stores `data` as a new version. `options.cas` must match the current version when
 *   given, and must be given when the key or the engine has `cas_required`;
 * - versions beyond `max_versions` are destroyed at write time; `delete_version_after` sets each
 *   new version's deletion time, honoured at read time against the clock;
 * - patch needs `application/merge-patch+json` (else 415) and a live latest version (else 404);
 * - delete soft-deletes the latest version; deleting a deleted or missing secret succeeds;
 * - a write to a path with no metadata is a `create` for the ACL.
 */
import { coerceField, isPlainObject } from '../../framework/fields.ts';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import type { RequestContext } from '../../logical/backend.ts';
import { badRequest, invalidField, notFound } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import { kvV2Event } from './events.ts';
import { assertMergePatch, mergePatch } from './merge-patch.ts';
import {
  assertSecretPath,
  deleteVersion,
  readConfig,
  readMetadata,
  readVersion,
  writeMetadata,
  writeVersion,
} from './storage-layout.ts';
import type { KeyMetadata, KvConfig, VersionRecord } from './storage-layout.ts';
import { secretLock } from './v2-deps.ts';
import type { KvV2Deps } from './v2-deps.ts';
import {
  checkAndSet,
  effectiveDeleteVersionAfter,
  effectiveMaxVersions,
  isLive,
  newMetadata,
  trimVersions,
  versionMetadata,
} from './version-rules.ts';

const fields = {
  path: { type: 'string', description: 'Location of the secret.', required: true },
  version: {
    type: 'int',
    description: 'The version to read; 0 or absent reads the latest.',
    default: 0,
  },
  data: {
    type: 'map',
    description: 'The secret: a JSON object stored as the new version (or merged, for PATCH).',
    required: true,
    sensitive: true,
  },
  options: {
    type: 'map',
    description: 'Write options: `cas`, the version the write expects to replace (0 = none yet).',
  },
} as const;

/** A readable version, or the reason it is not: the error Vault answers. */
export interface LiveVersion {
  readonly meta: KeyMetadata;
  readonly version: number;
  readonly record: VersionRecord;
  readonly data: Record<string, unknown>;
}

/**
 * Loads version `requested` (0 = latest) of `path`, or throws Vault's 404: empty errors, and for
 * a deleted or destroyed version a body of `{ [valueKey]: null, metadata }`.
 */
export async function readLiveVersion(
  ctx: RequestContext,
  path: string,
  requested: number,
  valueKey: 'data' | 'subkeys',
): Promise<LiveVersion> {
  if (requested < 0) throw invalidField('version', 'must not be negative');
  const meta = await readMetadata(ctx.storage, path);
  if (meta === undefined) throw notFound(`no secret at "${path}"`, { errors: [] });
  const version = requested === 0 ? meta.currentVersion : requested;
  const record = meta.versions[String(version)];
  if (record === undefined) {
    throw notFound(`no version ${version} of "${path}"`, { errors: [] });
  }
  if (!isLive(record, ctx.clock.now())) throw goneVersion(meta, path, version, record, valueKey);
  const stored = await readVersion(ctx.storage, path, version);
  if (stored === undefined) throw goneVersion(meta, path, version, record, valueKey);
  return { meta, version, record, data: stored.data };
}

/**
 * The body of a read: `{ data, metadata }`. For a cached version (its data and metadata view both
 * frozen, see `versionMetadata`) the body is built once and frozen too, so that every read of it
 * answers with the same object, whose JSON and audit text are then written once.
 */
function versionBody(live: LiveVersion): Record<string, unknown> {
  const metadata = versionMetadata(live.meta, live.version, live.record);
  if (!Object.isFrozen(metadata) || !Object.isFrozen(live.data)) {
    return { data: live.data, metadata };
  }
  const known = versionBodies.get(metadata);
  if (known?.data === live.data) return known;
  const body = Object.freeze({ data: live.data, metadata });
  versionBodies.set(metadata, body);
  return body;
}

const versionBodies = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** Vault's 404 for a deleted or destroyed version: `{ [valueKey]: null, metadata }`. */
function goneVersion(
  meta: KeyMetadata,
  path: string,
  version: number,
  record: VersionRecord,
  valueKey: 'data' | 'subkeys',
): Error {
  return notFound(`version ${version} of "${path}" is deleted or destroyed`, {
    errors: [],
    data: { [valueKey]: null, metadata: versionMetadata(meta, version, record) },
  });
}

/** Writes `data` as the next version of `path`, trimming old versions. Caller holds the lock. */
async function writeNextVersion(
  ctx: RequestContext,
  path: string,
  meta: KeyMetadata | undefined,
  config: KvConfig,
  data: Record<string, unknown>,
): Promise<{ meta: KeyMetadata; version: number; record: VersionRecord }> {
  const now = ctx.clock.now();
  const base = meta ?? newMetadata(now);
  const version = base.currentVersion + 1;
  const deleteAfter = effectiveDeleteVersionAfter(base, config);
  const record: VersionRecord = {
    createdMs: now,
    deletionMs: deleteAfter > 0 ? now + deleteAfter : null,
    destroyed: false,
  };
  const next: KeyMetadata = {
    ...base,
    updatedMs: now,
    currentVersion: version,
    versions: { ...base.versions, [String(version)]: record },
  };
  const trimmed = trimVersions(next, effectiveMaxVersions(next, config));
  // Data before metadata: the metadata never names a version whose data is not stored yet.
  await writeVersion(ctx.storage, path, version, data);
  await writeMetadata(ctx.storage, path, trimmed.meta);
  for (const old of trimmed.removed) await deleteVersion(ctx.storage, path, old);
  return { meta: trimmed.meta, version, record };
}

function casFrom(options: Record<string, unknown> | undefined): number | undefined {
  const raw = options?.cas;
  if (raw === undefined || raw === null) return undefined;
  const cas = coerceField('options.cas', { type: 'int', description: 'cas' }, raw) as number;
  if (cas < 0) throw invalidField('options.cas', 'must not be negative');
  return cas;
}

export function dataPaths(deps: KvV2Deps): CompiledPath[] {
  return [
    definePath({
      pattern: 'data/(?<path>.+)',
      fields,
      existenceCheck: async ({ storage, fields: { path } }) =>
        (await readMetadata(storage, path)) !== undefined,
      operations: {
        read: async (ctx) => {
          const { path, version } = ctx.fields;
          assertSecretPath(path);
          const live = await readLiveVersion(ctx, path, version, 'data');
          return { data: versionBody(live) };
        },
        update: async (ctx) => {
          const { path, data, options } = ctx.fields;
          assertSecretPath(path);
          const cas = casFrom(options);
          return deps.locks.run(secretLock(path), async () => {
            const config = await readConfig(ctx.storage);
            const meta = await readMetadata(ctx.storage, path);
            checkAndSet(meta, config, cas);
            const written = await writeNextVersion(ctx, path, meta, config, data);
            return writtenResponse(ctx, path, 'data-write', written);
          });
        },
        patch: async (ctx) => {
          assertMergePatch(ctx.request);
          const { path, data, options } = ctx.fields;
          assertSecretPath(path);
          const cas = casFrom(options);
          return deps.locks.run(secretLock(path), async () => {
            const config = await readConfig(ctx.storage);
            const meta = await readMetadata(ctx.storage, path);
            const record = meta?.versions[String(meta.currentVersion)];
            const current =
              meta === undefined || record === undefined || !isLive(record, ctx.clock.now())
                ? undefined
                : await readVersion(ctx.storage, path, meta.currentVersion);
            // Only a live latest version can be patched: missing, deleted or destroyed is a 404.
            if (current === undefined) throw notFound(`no secret at "${path}"`, { errors: [] });
            checkAndSet(meta, config, cas);
            const merged = mergePatch(current.data, data);
            if (!isPlainObject(merged)) throw badRequest('the patched secret must be an object');
            const written = await writeNextVersion(ctx, path, meta, config, merged);
            return writtenResponse(ctx, path, 'data-patch', written);
          });
        },
        delete: async (ctx) => {
          const { path } = ctx.fields;
          assertSecretPath(path);
          return deps.locks.run(secretLock(path), async () => {
            const meta = await readMetadata(ctx.storage, path);
            if (meta === undefined) return undefined;
            const version = meta.currentVersion;
            const record = meta.versions[String(version)];
            const now = ctx.clock.now();
            if (record === undefined || !isLive(record, now)) return undefined;
            await writeMetadata(ctx.storage, path, {
              ...meta,
              versions: { ...meta.versions, [String(version)]: { ...record, deletionMs: now } },
            });
            return {
              events: [
                kvV2Event(ctx.mount, {
                  operation: 'data-delete',
                  path,
                  requestPath: ctx.request.path,
                  version,
                  currentVersion: meta.currentVersion,
                  oldestVersion: meta.oldestVersion,
                  versions: [version],
                }),
              ],
            };
          });
        },
      },
      help: 'Reads, writes, patches and soft-deletes versions of a secret (KV version 2).',
    }),
  ];
}

function writtenResponse(
  ctx: RequestContext,
  path: string,
  operation: 'data-write' | 'data-patch',
  written: { meta: KeyMetadata; version: number; record: VersionRecord },
): LogicalResponse {
  return {
    data: versionMetadata(written.meta, written.version, written.record),
    events: [
      kvV2Event(ctx.mount, {
        operation,
        path,
        requestPath: ctx.request.path,
        version: written.version,
        currentVersion: written.meta.currentVersion,
        oldestVersion: written.meta.oldestVersion,
      }),
    ],
  };
}
