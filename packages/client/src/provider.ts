/**
 * The provider contract: where secret values come from.
 *
 * A provider knows how to fetch one secret by path from one source (Strongroom/Vault, a cloud
 * secret manager, a file, the environment, a mock). It does no caching, retrying or renewal:
 * `SecretsManager` owns all of that, so every provider gets the same lifecycle for free.
 */

/** A secret's raw value: a string, or a JSON object of fields (as KV secrets are). */
export type SecretData = string | Readonly<Record<string, unknown>>;

/** A lease on a dynamic secret, as the server issued it. `durationMs` counts from fetch time. */
export interface Lease {
  readonly id: string;
  readonly durationMs: number;
  readonly renewable: boolean;
}

/** What a provider returns for one fetch. */
export interface FetchedSecret {
  readonly value: SecretData;
  /**
   * The provider's own version identifier. When the provider has none, the client derives one:
   * the first 8 hex digits of the SHA-256 of the canonical value.
   */
  readonly version?: string;
  /** How long the value may be cached, in milliseconds. Ignored when `lease` is set. */
  readonly ttlMs?: number;
  /** A lease: its duration bounds the cache entry, and the value is never served past it. */
  readonly lease?: Lease;
}

export interface FetchOptions {
  /** Aborted when the attempt times out or the manager closes. Providers must honour it. */
  readonly signal: AbortSignal;
}

/** A push from a provider that can watch its source (a file watcher, a change stream). */
export type WatchCallback = (update: FetchedSecret | { readonly error: unknown }) => void;

export interface SecretProvider {
  /** A short name used in events and errors (`"file"`, `"vault"`, `"mock"`). */
  readonly name: string;
  /**
   * Fetches the current value at `path`. Throws on failure; errors are classified by
   * `classifyError` (see errors.ts), so throw `SecretNotFoundError`, `PermissionDeniedError`,
   * `ProviderHttpError` or a network error rather than a bare `Error` when the cause is known.
   */
  fetch(path: string, options: FetchOptions): Promise<FetchedSecret>;
  /**
   * Optional: calls `callback` when the secret at `path` changes at the source.
   * Returns a function that stops watching.
   */
  watch?(path: string, callback: WatchCallback): () => void;
  /** Optional: releases sockets, watchers and timers. */
  close?(): Promise<void> | void;
}
