/** @strongroom/client: the public surface. */
export { SecretsManager } from './manager.ts';
export type {
  CircuitEvent,
  ExpiredEvent,
  Logger,
  PathOptions,
  RefreshFailedEvent,
  RotatedEvent,
  SecretVersionRef,
  SecretsManagerEvents,
  SecretsManagerOptions,
  StaleServedEvent,
} from './manager.ts';
export { REDACTED, Secret } from './secret.ts';
export type { SecretInit } from './secret.ts';
export { canonicalValue, deriveVersion, resolveVersion } from './version.ts';
export {
  CircuitOpenError,
  ClientClosedError,
  PermissionDeniedError,
  ProviderHttpError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  SecretFetchError,
  SecretNotFoundError,
  SecretsError,
  classifyError,
} from './errors.ts';
export type { ErrorClass } from './errors.ts';
export type {
  FetchOptions,
  FetchedSecret,
  Lease,
  SecretData,
  SecretProvider,
  WatchCallback,
} from './provider.ts';
export * from './cache/index.ts';
export * from './lifetime/index.ts';
export * from './providers/index.ts';
export * from './vault/index.ts';
