/**
 * The KV secrets engine (mount types `kv` and `generic`), version 1 or 2 from the mount's
 * `options.version` (default "1"; `generic` is always version 1).
 *
 * Storage layout, inside the mount's own chrooted view (`storage-layout.ts` holds the keys):
 *
 *   KV v1   entries/<path>                 the secret's JSON object, as written
 *   KV v2   config                         engine settings (max_versions, cas_required,
 *                                          delete_version_after)
 *           metadata/<path>                per-secret metadata: settings, custom_metadata,
 *                                          current/oldest version, one record per version
 *                                          (created, deletion time, destroyed)
 *           versions/<sha256(path)>/<n>    the data of version n
 *
 * A secret `a` and a folder `a/` never collide (`metadata/a` vs `metadata/a/...`), lists read
 * one level of `metadata/` (or `entries/`), and version data sits under a hash of the path so
 * one secret's versions are never mixed with another's.
 *
 * Contracts: the engine never logs, and never puts a secret value in an error or an event;
 * `data` fields are marked sensitive for the audit devices. Change events go in the response
 * and the pipeline publishes them. Writes on one secret are serialised per mount (see
 * `framework/keyed-lock.ts`) so versions and check-and-set stay exact.
 */
import { defineBackend } from '../../framework/backend.ts';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import type { Backend, BackendFactory } from '../../logical/backend.ts';
import { LogicalError } from '../../logical/errors.ts';
import { KeyedLock } from '../../framework/keyed-lock.ts';
import { configPaths } from './path-config.ts';
import { dataPaths } from './path-data.ts';
import { metadataPaths } from './path-metadata.ts';
import { subkeysPaths } from './path-subkeys.ts';
import { v1Paths } from './path-v1.ts';
import { versionPaths } from './path-versions.ts';

export type KvVersion = '1' | '2';

/** The KV version a mount asks for; throws on anything but 1 or 2. */
export function kvVersionOf(type: string, options: Readonly<Record<string, string>>): KvVersion {
  if (type === 'generic') return '1';
  const version = options.version ?? '1';
  if (version === '' || version === '1') return '1';
  if (version === '2') return '2';
  throw new LogicalError('bad_request', 400, `unsupported KV version "${version}": use 1 or 2`);
}

/** Anything a v2 mount does not know: Vault's hint that a v1-style path was used. */
function invalidV2Path(): CompiledPath {
  const refuse = (): never => {
    throw new LogicalError(
      'unsupported_path',
      404,
      'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate ' +
        "API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
    );
  };
  const handler = () => Promise.resolve(refuse());
  return definePath({
    pattern: '.*',
    fields: {},
    operations: { read: handler, update: handler, delete: handler, list: handler, patch: handler },
    help: 'KV version 2 serves config, data/, metadata/, delete/, undelete/, destroy/, subkeys/.',
  });
}

export function createKvBackend(version: KvVersion): Backend {
  if (version === '1') {
    return defineBackend({
      type: 'kv',
      paths: v1Paths(),
      help: 'Key/value secret storage, unversioned (KV version 1).',
    });
  }
  const deps = { locks: new KeyedLock() };
  return defineBackend({
    type: 'kv',
    paths: [
      ...configPaths(deps),
      ...dataPaths(deps),
      ...metadataPaths(deps),
      ...versionPaths(deps),
      ...subkeysPaths(),
      invalidV2Path(),
    ],
    help: 'Key/value secret storage with versions (KV version 2).',
  });
}

export const kvBackendFactory: BackendFactory = ({ mount }) =>
  createKvBackend(kvVersionOf(mount.type, mount.options));
