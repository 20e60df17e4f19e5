/**
 * VaultProvider: a `SecretProvider` over `VaultClient`, for Strongroom or Vault.
 *
 * `fetch(path)` reads what lives at `path`:
 * - on a KV v2 mount (`secret/app` -> `secret/data/app`): the fields, with the KV version number
 *   as the provider version;
 * - on a KV v1 mount: the fields (a `ttl` field's `lease_duration` becomes the cache TTL);
 * - on any other engine (`database/creds/app`): the data, with the lease when the response
 *   carries one (`lease_id`, `lease_duration`, `renewable`).
 * A missing secret (404, or a deleted KV v2 version) is `SecretNotFoundError`; 403 is
 * `PermissionDeniedError`; other statuses stay `VaultApiError`, which `classifyError` sorts into
 * transient (5xx, 429) and permanent.
 *
 * The mount description that decides KV v1 vs v2 is cached per path for `mountCacheMs`
 * (default 60 s), so a steady stream of fetches costs one request each; a 404 drops the entry,
 * since a remounted path may have changed version.
 */
import { PermissionDeniedError, SecretNotFoundError } from '../errors.ts';
import type { FetchOptions, FetchedSecret, SecretProvider } from '../provider.ts';
import { VaultApiError } from './errors.ts';
import type { KvMount } from './kv-api.ts';
import { normalizeApiPath } from './paths.ts';
import { VaultClient } from './vault-client.ts';
import type { VaultClientOptions } from './vault-client.ts';

export interface VaultProviderOptions {
  /** An existing client, or the options to make one. */
  readonly client: VaultClient | VaultClientOptions;
  /** Provider name in events and errors; default `vault`. */
  readonly name?: string;
  /** How long a path's mount description is reused; default 60 000 ms. 0 disables caching. */
  readonly mountCacheMs?: number;
  /** Time source for the mount cache; default `Date.now`. */
  readonly now?: () => number;
}

export class VaultProvider implements SecretProvider {
  readonly name: string;
  readonly client: VaultClient;
  readonly #mountCacheMs: number;
  readonly #now: () => number;
  readonly #mounts = new Map<string, { mount: KvMount; expiresAt: number }>();

  constructor(options: VaultProviderOptions) {
    this.name = options.name ?? 'vault';
    this.client =
      options.client instanceof VaultClient ? options.client : new VaultClient(options.client);
    this.#mountCacheMs = options.mountCacheMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  async fetch(path: string, options: FetchOptions): Promise<FetchedSecret> {
    const full = normalizeApiPath(path);
    try {
      const mount = await this.#mount(full, options.signal);
      if (mount.version === 2) {
        const secret = await this.client.kv.get(full, {
          signal: options.signal,
          knownMount: mount,
        });
        if (secret?.data === null || secret === undefined) throw this.#notFound(path, full);
        const version = secret.metadata?.version;
        return {
          value: secret.data,
          ...(typeof version === 'number' || typeof version === 'string'
            ? { version: String(version) }
            : {}),
        };
      }
      const response = await this.client.read(full, { signal: options.signal });
      if (response?.data === null || response === undefined) throw this.#notFound(path, full);
      if (response.lease_id !== '') {
        return {
          value: response.data,
          lease: {
            id: response.lease_id,
            durationMs: response.lease_duration * 1000,
            renewable: response.renewable,
          },
        };
      }
      return {
        value: response.data,
        ...(response.lease_duration > 0 ? { ttlMs: response.lease_duration * 1000 } : {}),
      };
    } catch (error) {
      throw this.#mapError(error, path, full);
    }
  }

  async #mount(full: string, signal: AbortSignal): Promise<KvMount> {
    const cached = this.#mounts.get(full);
    if (cached !== undefined && cached.expiresAt > this.#now()) return cached.mount;
    const mount = await this.client.kv.mount(full, { signal });
    if (this.#mountCacheMs > 0) {
      this.#mounts.set(full, { mount, expiresAt: this.#now() + this.#mountCacheMs });
    }
    return mount;
  }

  #notFound(path: string, full: string): SecretNotFoundError {
    this.#mounts.delete(full);
    return new SecretNotFoundError(path, this.name);
  }

  #mapError(error: unknown, path: string, full: string): unknown {
    if (!(error instanceof VaultApiError)) return error;
    if (error.status === 404) return this.#notFound(path, full);
    if (error.status === 403) return new PermissionDeniedError(path, this.name);
    return error;
  }
}
