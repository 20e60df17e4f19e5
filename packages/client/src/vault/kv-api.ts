/**
 * KV secrets engine helpers for both versions.
 *
 * The version of the mount serving a path is learnt as Vault's CLI learns it:
 * `GET sys/internal/ui/mounts/<path>` answers the mount's path, type and options, and
 * `options.version === "2"` means KV v2. A server without that endpoint (404) is treated as
 * KV v1, as Vault's CLI does for old servers.
 *
 * On KV v2, reads and writes go to `<mount>/data/<path>`, listings and metadata to
 * `<mount>/metadata/<path>`. `delete` is a soft delete of the latest version (`data/`) or of
 * the named versions (`delete/`), recoverable with `undelete`; `destroy` and `deleteMetadata`
 * are permanent.
 */
import type { VaultResponse } from '@strongroom/protocol';
import { SecretsError } from '../errors.ts';
import { isRecord } from './envelope.ts';
import { VaultApiError } from './errors.ts';
import { joinPath, kvV2Path, mountPathOf, normalizeApiPath } from './paths.ts';
import type { KvV2Prefix } from './paths.ts';
import type { VaultClient } from './vault-client.ts';

export type KvVersion = 1 | 2;

/** The mount serving a path. */
export interface KvMount {
  /** With its trailing slash (`secret/`); `''` when the server could not say. */
  readonly path: string;
  /** The engine type (`kv`, `database`, ...); `''` when unknown. */
  readonly type: string;
  /** 2 for a KV v2 mount, otherwise 1 (every other engine reads like KV v1). */
  readonly version: KvVersion;
}

export interface KvOptions {
  /** The mount, when the path is relative to it (`-mount=secret`); otherwise it is detected. */
  readonly mount?: string;
  /**
   * A mount already learnt from `mount(path)`: skips the detection request. `path` is then the
   * full API path (`secret/app`), and `mount` is ignored.
   */
  readonly knownMount?: KvMount;
  readonly signal?: AbortSignal;
}

/** A KV secret as read: its fields, and on KV v2 its version metadata. */
export interface KvSecret {
  readonly mount: KvMount;
  /** The API path that was read (`secret/data/app` on v2). */
  readonly apiPath: string;
  /** The fields; `null` for a deleted or destroyed KV v2 version. */
  readonly data: Record<string, unknown> | null;
  /** KV v2 only: `version`, `created_time`, `deletion_time`, `destroyed`, `custom_metadata`. */
  readonly metadata: Record<string, unknown> | null;
  readonly response: VaultResponse;
}

/** The mount description of a `sys/internal/ui/mounts/<path>` answer. */
export function kvMountFrom(envelope: VaultResponse | undefined): KvMount {
  const data = envelope?.data;
  if (data === null || data === undefined) return { path: '', type: '', version: 1 };
  const options = isRecord(data.options) ? data.options : {};
  const type = typeof data.type === 'string' ? data.type : '';
  return {
    path: typeof data.path === 'string' ? mountPathOf(data.path) : '',
    type,
    version: options.version === '2' || options.version === 2 ? 2 : 1,
  };
}

export class KvApi {
  readonly #client: VaultClient;
  constructor(client: VaultClient) {
    this.#client = client;
  }

  /** Which mount serves `path`, and its KV version. */
  async mount(path: string, options: Pick<KvOptions, 'signal'> = {}): Promise<KvMount> {
    const target = normalizeApiPath(path);
    try {
      const envelope = await this.#client.request(
        'GET',
        `sys/internal/ui/mounts/${target}`,
        options,
      );
      return kvMountFrom(envelope);
    } catch (error) {
      if (error instanceof VaultApiError && error.status === 404)
        return { path: '', type: '', version: 1 };
      throw error;
    }
  }

  /** Reads a secret (a given `version` on KV v2); `undefined` when there is none. */
  async get(
    path: string,
    options: KvOptions & { readonly version?: number } = {},
  ): Promise<KvSecret | undefined> {
    const { mount, full } = await this.#resolve(path, options);
    if (mount.version === 1) {
      const response = await this.#client.read(full, signalOnly(options));
      if (response === undefined) return undefined;
      return { mount, apiPath: full, data: response.data, metadata: null, response };
    }
    const apiPath = kvV2Path(mount.path, 'data', full);
    const response = await this.#client.read(apiPath, {
      ...signalOnly(options),
      ...(options.version === undefined ? {} : { query: { version: options.version } }),
    });
    if (response === undefined) return undefined;
    const body = response.data;
    return {
      mount,
      apiPath,
      data: isRecord(body?.data) ? body.data : null,
      metadata: isRecord(body?.metadata) ? body.metadata : null,
      response,
    };
  }

  /** Writes a whole secret. On KV v2, `cas` makes it a check-and-set against that version. */
  async put(
    path: string,
    data: Readonly<Record<string, unknown>>,
    options: KvOptions & { readonly cas?: number } = {},
  ): Promise<{ readonly mount: KvMount; readonly response: VaultResponse | undefined }> {
    const { mount, full } = await this.#resolve(path, options);
    if (mount.version === 1) {
      return { mount, response: await this.#client.write(full, data, signalOnly(options)) };
    }
    const response = await this.#client.write(
      kvV2Path(mount.path, 'data', full),
      { data, ...(options.cas === undefined ? {} : { options: { cas: options.cas } }) },
      signalOnly(options),
    );
    return { mount, response };
  }

  /** Merges fields into the latest version (KV v2 only, JSON merge-patch). */
  async patch(
    path: string,
    data: Readonly<Record<string, unknown>>,
    options: KvOptions & { readonly cas?: number } = {},
  ): Promise<{ readonly mount: KvMount; readonly response: VaultResponse | undefined }> {
    const { mount, full } = await this.#resolve(path, options);
    requireV2(mount, 'patch');
    const response = await this.#client.patch(
      kvV2Path(mount.path, 'data', full),
      { data, ...(options.cas === undefined ? {} : { options: { cas: options.cas } }) },
      signalOnly(options),
    );
    return { mount, response };
  }

  /** The keys under a folder; folders end in `/`. Empty when there is nothing. */
  async list(path: string, options: KvOptions = {}): Promise<string[]> {
    const { mount, full } = await this.#resolve(path, options);
    const apiPath = mount.version === 2 ? kvV2Path(mount.path, 'metadata', full) : full;
    return this.#client.list(apiPath, signalOnly(options));
  }

  /**
   * Deletes a secret. KV v2: a soft delete of the latest version, or of `versions` when given
   * (both undoable with `undelete`). KV v1: the secret is gone.
   */
  async delete(
    path: string,
    options: KvOptions & { readonly versions?: readonly number[] } = {},
  ): Promise<KvMount> {
    const { mount, full } = await this.#resolve(path, options);
    if (mount.version === 1) {
      await this.#client.delete(full, signalOnly(options));
    } else if (options.versions === undefined || options.versions.length === 0) {
      await this.#client.delete(kvV2Path(mount.path, 'data', full), signalOnly(options));
    } else {
      await this.#versions(mount, 'delete', full, options.versions, options);
    }
    return mount;
  }

  async undelete(
    path: string,
    versions: readonly number[],
    options: KvOptions = {},
  ): Promise<KvMount> {
    const { mount, full } = await this.#resolve(path, options);
    requireV2(mount, 'undelete');
    await this.#versions(mount, 'undelete', full, versions, options);
    return mount;
  }

  /** Permanently removes the data of the given versions (their metadata stays). */
  async destroy(
    path: string,
    versions: readonly number[],
    options: KvOptions = {},
  ): Promise<KvMount> {
    const { mount, full } = await this.#resolve(path, options);
    requireV2(mount, 'destroy');
    await this.#versions(mount, 'destroy', full, versions, options);
    return mount;
  }

  /** KV v2 metadata of a secret (all versions), or `undefined` when there is none. */
  async readMetadata(
    path: string,
    options: KvOptions = {},
  ): Promise<{ readonly mount: KvMount; readonly response: VaultResponse } | undefined> {
    const { mount, full } = await this.#resolve(path, options);
    requireV2(mount, 'metadata');
    const response = await this.#client.read(
      kvV2Path(mount.path, 'metadata', full),
      signalOnly(options),
    );
    return response === undefined ? undefined : { mount, response };
  }

  /** Deletes every version and the metadata of a secret. Permanent. */
  async deleteMetadata(path: string, options: KvOptions = {}): Promise<KvMount> {
    const { mount, full } = await this.#resolve(path, options);
    requireV2(mount, 'metadata');
    await this.#client.delete(kvV2Path(mount.path, 'metadata', full), signalOnly(options));
    return mount;
  }

  async #versions(
    mount: KvMount,
    prefix: KvV2Prefix,
    full: string,
    versions: readonly number[],
    options: KvOptions,
  ): Promise<void> {
    await this.#client.write(
      kvV2Path(mount.path, prefix, full),
      { versions: [...versions] },
      signalOnly(options),
    );
  }

  async #resolve(path: string, options: KvOptions): Promise<{ mount: KvMount; full: string }> {
    if (options.knownMount !== undefined) {
      return { mount: options.knownMount, full: normalizeApiPath(path) };
    }
    if (options.mount === undefined) {
      const full = normalizeApiPath(path);
      return { mount: await this.mount(full, options), full };
    }
    const full = joinPath(options.mount, path);
    const detected = await this.mount(mountPathOf(options.mount), options);
    // An explicit mount is where the path lives even if the server could not describe it.
    return {
      mount: detected.path === '' ? { ...detected, path: mountPathOf(options.mount) } : detected,
      full,
    };
  }
}

function signalOnly(options: { readonly signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

function requireV2(mount: KvMount, operation: string): void {
  if (mount.version !== 2) {
    throw new SecretsError(
      'kv_version',
      `KV ${operation} needs a KV version 2 mount; ${mount.path === '' ? 'this path' : `"${mount.path}"`} is version 1`,
    );
  }
}
