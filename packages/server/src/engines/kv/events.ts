/**
 * Change events the KV engine announces (the pipeline publishes them after the response).
 *
 * Type names are Vault's: `kv-v1/<operation>` and `kv-v2/<operation>`. An event names the secret
 * path, the API path a subscriber needs `read` on, the version numbers involved and what
 * happened. It never carries a secret value.
 */
import type { MountInfo } from '../../logical/backend.ts';
import type { ChangeEvent } from '../../logical/response.ts';

export type KvV1Operation = 'write' | 'delete';

export type KvV2Operation =
  | 'config-write'
  | 'data-write'
  | 'data-patch'
  | 'data-delete'
  | 'delete'
  | 'undelete'
  | 'destroy'
  | 'metadata-write'
  | 'metadata-patch'
  | 'metadata-delete';

export function kvV1Event(mount: MountInfo, operation: KvV1Operation, path: string): ChangeEvent {
  return {
    type: `kv-v1/${operation}`,
    path,
    dataPath: `${mount.path}${path}`,
    metadata: { modified: 'true', operation, path },
  };
}

export interface KvV2EventInput {
  readonly operation: KvV2Operation;
  /** The secret path (`app/db`); empty for config events. */
  readonly path: string;
  /** The request path relative to the mount (`data/app/db`, `destroy/app/db`, `config`). */
  readonly requestPath: string;
  /** Which API path subscribers need read on: the secret's data (default) or its metadata. */
  readonly on?: 'data' | 'metadata' | 'config';
  readonly version?: number;
  readonly currentVersion?: number;
  readonly oldestVersion?: number;
  /** Versions a delete, undelete or destroy touched. */
  readonly versions?: readonly number[];
}

export function kvV2Event(mount: MountInfo, input: KvV2EventInput): ChangeEvent {
  const on = input.on ?? 'data';
  const dataPath = on === 'config' ? `${mount.path}config` : `${mount.path}${on}/${input.path}`;
  const metadata: Record<string, string> = {
    modified: 'true',
    operation: input.operation,
    path: input.requestPath,
    data_path: dataPath,
  };
  if (input.currentVersion !== undefined) metadata.current_version = String(input.currentVersion);
  if (input.oldestVersion !== undefined) metadata.oldest_version = String(input.oldestVersion);
  if (input.versions !== undefined) metadata.versions = JSON.stringify(input.versions);
  return {
    type: `kv-v2/${input.operation}`,
    path: input.path,
    dataPath,
    ...(input.version === undefined ? {} : { version: input.version }),
    metadata,
  };
}
