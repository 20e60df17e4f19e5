/**
 * KV v2 `delete/<path>`, `undelete/<path>` and `destroy/<path>`: act on named versions.
 *
 * Contracts, as Vault's:
 * - `versions` is required (`[1, 2]`, `"1,2"` or `["1","2"]`);
 * - delete soft-deletes live versions (their data stays, reads answer 404 with metadata);
 * - undelete clears the deletion of versions that are not destroyed (a version scheduled by
 *   `delete_version_after` gets a fresh schedule from now);
 * - destroy removes the data of the versions for good and marks them destroyed;
 * - versions that do not exist are ignored, and a secret that does not exist is a no-op 204:
 *   each is idempotent, so a retried request converges.
 * All three are `update` for the ACL (no existence check), as in Vault.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import type { RequestContext } from '../../logical/backend.ts';
import { LogicalError, invalidField } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import { kvV2Event } from './events.ts';
import {
  assertSecretPath,
  deleteVersion,
  readConfig,
  readMetadata,
  writeMetadata,
} from './storage-layout.ts';
import type { KeyMetadata, KvConfig, VersionRecord } from './storage-layout.ts';
import { secretLock } from './v2-deps.ts';
import type { KvV2Deps } from './v2-deps.ts';
import { effectiveDeleteVersionAfter, isDeleted } from './version-rules.ts';

const fields = {
  path: { type: 'string', description: 'Location of the secret.', required: true },
  versions: {
    type: 'json',
    description: 'The version numbers to act on: a list of integers or a comma-separated string.',
  },
} as const;

/** Parses Vault's comma-int-slice: `[1,2]`, `"1,2"`, `["1","2"]`. At least one is required. */
export function parseVersions(raw: unknown): number[] {
  const items: unknown[] =
    typeof raw === 'string'
      ? raw.split(',')
      : Array.isArray(raw)
        ? raw
        : raw === undefined
          ? []
          : [raw];
  const out: number[] = [];
  for (const item of items) {
    const text = typeof item === 'string' ? item.trim() : item;
    if (text === '') continue;
    const value = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : text;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw invalidField('versions', 'expected a list of version numbers');
    }
    out.push(value);
  }
  if (out.length === 0) {
    throw new LogicalError('missing_field', 400, 'no version number provided');
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

type Change = (
  record: VersionRecord,
  now: number,
  meta: KeyMetadata,
  config: KvConfig,
) => VersionRecord | undefined;

/** Soft-deletes a live version. */
const softDelete: Change = (record, now) =>
  record.destroyed || isDeleted(record, now) ? undefined : { ...record, deletionMs: now };

/** Restores a deleted version that still has its data. */
const restore: Change = (record, now, meta, config) => {
  if (record.destroyed || record.deletionMs === null) return undefined;
  const after = effectiveDeleteVersionAfter(meta, config);
  return { ...record, deletionMs: after > 0 ? now + after : null };
};

/** Marks a version destroyed (its data is removed by the caller). */
const destroy: Change = (record) => (record.destroyed ? undefined : { ...record, destroyed: true });

function versionsPath(
  deps: KvV2Deps,
  prefix: 'delete' | 'undelete' | 'destroy',
  change: Change,
  help: string,
): CompiledPath {
  const handler = async (
    ctx: RequestContext & { fields: { path: string; versions: unknown } },
  ): Promise<LogicalResponse | undefined> => {
    const { path } = ctx.fields;
    assertSecretPath(path);
    const requested = parseVersions(ctx.fields.versions);
    return deps.locks.run(secretLock(path), async () => {
      const meta = await readMetadata(ctx.storage, path);
      if (meta === undefined) return undefined;
      const config = await readConfig(ctx.storage);
      const now = ctx.clock.now();
      const versions = { ...meta.versions };
      const touched: number[] = [];
      for (const version of requested) {
        const record = versions[String(version)];
        if (record === undefined) continue;
        const changed = change(record, now, meta, config);
        if (changed === undefined) continue;
        versions[String(version)] = changed;
        touched.push(version);
      }
      if (prefix === 'destroy') {
        // Data first: a crash between the two leaves a destroyed-in-fact version that the
        // metadata still calls deleted or live, which reads answer as gone (no data stored).
        for (const version of touched) await deleteVersion(ctx.storage, path, version);
      }
      if (touched.length > 0) await writeMetadata(ctx.storage, path, { ...meta, versions });
      return {
        events: [
          kvV2Event(ctx.mount, {
            operation: prefix,
            path,
            requestPath: ctx.request.path,
            currentVersion: meta.currentVersion,
            oldestVersion: meta.oldestVersion,
            versions: touched,
          }),
        ],
      };
    });
  };
  return definePath({
    pattern: `${prefix}/(?<path>.+)`,
    fields,
    operations: { update: handler },
    help,
  });
}

export function versionPaths(deps: KvV2Deps): CompiledPath[] {
  return [
    versionsPath(deps, 'delete', softDelete, 'Soft-deletes versions of a secret (undoable).'),
    versionsPath(deps, 'undelete', restore, 'Restores soft-deleted versions of a secret.'),
    versionsPath(deps, 'destroy', destroy, 'Permanently removes the data of versions of a secret.'),
  ];
}
