/**
 * KV v2 `metadata/<path>`: a secret's settings, custom metadata and version history.
 *
 * Contracts, as Vault's:
 * - read answers `cas_required`, `created_time`, `current_version`, `custom_metadata`,
 *   `delete_version_after`, `max_versions`, `oldest_version`, `updated_time` and `versions`;
 *   a secret with no metadata is 404 `{"errors":[]}`;
 * - write creates the metadata if needed and changes only the fields sent; it never creates a
 *   version. Lowering `max_versions` destroys the versions beyond it at once;
 * - patch (`application/merge-patch+json`, else 415) changes an existing entry (else 404);
 *   `custom_metadata` merges key by key, a null removes a key, and a null setting resets it;
 * - delete removes every version and the metadata, and succeeds when there is nothing;
 * - list names secrets and folders (with `/`) under a folder; empty or missing is 404;
 * - a write to a path with no metadata is a `create` for the ACL.
 */
import { listResponse } from '../../framework/list.ts';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath, PathContext } from '../../framework/path.ts';
import { invalidField, notFound } from '../../logical/errors.ts';
import { listRecursive } from '../../logical/storage.ts';
import { kvV2Event } from './events.ts';
import { assertMergePatch } from './merge-patch.ts';
import {
  METADATA_ROOT,
  assertSecretPath,
  deleteVersion,
  listPrefix,
  metadataKey,
  readConfig,
  readMetadata,
  versionsFolder,
  writeMetadata,
} from './storage-layout.ts';
import type { KeyMetadata } from './storage-layout.ts';
import { secretLock } from './v2-deps.ts';
import type { KvV2Deps } from './v2-deps.ts';
import {
  effectiveMaxVersions,
  keyMetadataView,
  newMetadata,
  trimVersions,
} from './version-rules.ts';

const fields = {
  path: {
    type: 'string',
    description: 'Location of the secret (or, for lists, the folder).',
    default: '',
  },
  max_versions: {
    type: 'int',
    description: 'Versions to keep for this secret; 0 uses the engine setting (default 10).',
  },
  cas_required: {
    type: 'bool',
    description: 'Require `options.cas` on every write of this secret.',
  },
  delete_version_after: {
    type: 'duration',
    description:
      'Soft-delete each new version this long after it is written; 0 uses the engine setting.',
  },
  custom_metadata: {
    type: 'map',
    description: 'Arbitrary string-to-string metadata describing the secret (not secret).',
  },
} as const;

type MetadataContext = PathContext<typeof fields>;

const CUSTOM_METADATA_MAX_KEYS = 64;
const CUSTOM_METADATA_MAX_KEY_BYTES = 128;
const CUSTOM_METADATA_MAX_VALUE_BYTES = 512;

/** Vault's limits on custom metadata. `allowNull` for patches, where null removes a key. */
function checkCustomMetadata(
  raw: Readonly<Record<string, unknown>>,
  allowNull: boolean,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const entries = Object.entries(raw);
  if (entries.length > CUSTOM_METADATA_MAX_KEYS) {
    throw invalidField('custom_metadata', `at most ${CUSTOM_METADATA_MAX_KEYS} keys are allowed`);
  }
  for (const [key, value] of entries) {
    if (key === '' || Buffer.byteLength(key) > CUSTOM_METADATA_MAX_KEY_BYTES) {
      throw invalidField(
        'custom_metadata',
        `keys must be 1 to ${CUSTOM_METADATA_MAX_KEY_BYTES} bytes long`,
      );
    }
    if (value === null && allowNull) {
      Object.defineProperty(out, key, {
        value: null,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    if (typeof value !== 'string') {
      throw invalidField('custom_metadata', `the value of "${key}" must be a string`);
    }
    if (Buffer.byteLength(value) > CUSTOM_METADATA_MAX_VALUE_BYTES) {
      throw invalidField(
        'custom_metadata',
        `values must be at most ${CUSTOM_METADATA_MAX_VALUE_BYTES} bytes long`,
      );
    }
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** The settings a write or patch changes, as a partial metadata entry. */
function settingsFrom(ctx: MetadataContext, patch: boolean): Partial<KeyMetadata> {
  const { max_versions, cas_required, delete_version_after, custom_metadata } = ctx.fields;
  if (max_versions !== undefined && max_versions < 0) {
    throw invalidField('max_versions', 'must not be negative');
  }
  const out: { -readonly [K in keyof KeyMetadata]?: KeyMetadata[K] } = {};
  if (max_versions !== undefined) out.maxVersions = max_versions;
  if (cas_required !== undefined) out.casRequired = cas_required;
  if (delete_version_after !== undefined) out.deleteVersionAfterMs = delete_version_after;
  if (custom_metadata !== undefined) {
    out.customMetadata = checkCustomMetadata(custom_metadata, patch) as Record<string, string>;
  }
  if (patch) {
    // In a merge patch a null member resets the setting (the field table reads null as absent).
    const sent = ctx.raw;
    if (sent.max_versions === null) out.maxVersions = 0;
    if (sent.cas_required === null) out.casRequired = false;
    if (sent.delete_version_after === null) out.deleteVersionAfterMs = 0;
    if (sent.custom_metadata === null) out.customMetadata = null;
  }
  return out;
}

/** Applies a patch's custom metadata to the stored one: null members remove keys. */
function mergeCustom(
  stored: Readonly<Record<string, string>> | null,
  patch: Readonly<Record<string, string | null>>,
): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(stored ?? {})) {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  for (const [key, value] of Object.entries(patch)) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a null member removes the key
    if (value === null) delete out[key];
    else
      Object.defineProperty(out, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return Object.keys(out).length === 0 ? null : out;
}

export function metadataPaths(deps: KvV2Deps): CompiledPath[] {
  /** Stores `next` for `path`, destroying versions beyond the effective max. Lock held. */
  const store = async (
    ctx: MetadataContext,
    path: string,
    next: KeyMetadata,
  ): Promise<KeyMetadata> => {
    const config = await readConfig(ctx.storage);
    const trimmed = trimVersions(next, effectiveMaxVersions(next, config));
    await writeMetadata(ctx.storage, path, trimmed.meta);
    for (const old of trimmed.removed) await deleteVersion(ctx.storage, path, old);
    return trimmed.meta;
  };

  const event = (
    ctx: MetadataContext,
    operation: 'metadata-write' | 'metadata-patch' | 'metadata-delete',
    path: string,
    meta: KeyMetadata,
  ) =>
    kvV2Event(ctx.mount, {
      operation,
      path,
      requestPath: ctx.request.path,
      on: 'metadata',
      currentVersion: meta.currentVersion,
      oldestVersion: meta.oldestVersion,
    });

  return [
    definePath({
      pattern: 'metadata(?:/(?<path>.*))?',
      fields,
      existenceCheck: async ({ storage, fields: { path } }) =>
        path !== '' && (await readMetadata(storage, path)) !== undefined,
      operations: {
        read: async ({ storage, fields: { path } }) => {
          assertSecretPath(path);
          const meta = await readMetadata(storage, path);
          if (meta === undefined) throw notFound(`no metadata for "${path}"`, { errors: [] });
          return { data: keyMetadataView(meta) };
        },
        update: async (ctx) => {
          const { path } = ctx.fields;
          assertSecretPath(path);
          const settings = settingsFrom(ctx, false);
          return deps.locks.run(secretLock(path), async () => {
            const meta = (await readMetadata(ctx.storage, path)) ?? newMetadata(ctx.clock.now());
            const stored = await store(ctx, path, { ...meta, ...settings });
            return { events: [event(ctx, 'metadata-write', path, stored)] };
          });
        },
        patch: async (ctx) => {
          assertMergePatch(ctx.request);
          const { path } = ctx.fields;
          assertSecretPath(path);
          const settings = settingsFrom(ctx, true);
          return deps.locks.run(secretLock(path), async () => {
            const meta = await readMetadata(ctx.storage, path);
            if (meta === undefined) throw notFound(`no metadata for "${path}"`, { errors: [] });
            const next: KeyMetadata = {
              ...meta,
              ...settings,
              customMetadata:
                settings.customMetadata === undefined
                  ? meta.customMetadata
                  : settings.customMetadata === null
                    ? null
                    : mergeCustom(meta.customMetadata, settings.customMetadata),
            };
            const stored = await store(ctx, path, next);
            return { events: [event(ctx, 'metadata-patch', path, stored)] };
          });
        },
        delete: async (ctx) => {
          const { path } = ctx.fields;
          assertSecretPath(path);
          return deps.locks.run(secretLock(path), async () => {
            const meta = await readMetadata(ctx.storage, path);
            // Every stored version, including any a crash left behind unnamed by the metadata.
            const folder = versionsFolder(path);
            for (const key of await listRecursive(ctx.storage, folder)) {
              await ctx.storage.delete(folder + key);
            }
            if (meta === undefined) return undefined;
            await ctx.storage.delete(metadataKey(path));
            return { events: [event(ctx, 'metadata-delete', path, meta)] };
          });
        },
        list: async ({ storage, fields: { path } }) => {
          const keys = await storage.list(METADATA_ROOT + listPrefix(path));
          return listResponse(keys, `nothing under "${path}"`);
        },
      },
      help: "Reads, writes, patches, lists and deletes secrets' metadata and version history.",
    }),
  ];
}
