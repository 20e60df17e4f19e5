/**
 * The Vault HTTP API client (for Strongroom and Vault servers) and a `SecretProvider` over it.
 */
export { errorStrings, isRecord, listKeys, toEnvelope } from './envelope.ts';
export { VaultApiError, VaultResponseError } from './errors.ts';
export { KvApi, kvMountFrom } from './kv-api.ts';
export type { KvMount, KvOptions, KvSecret, KvVersion } from './kv-api.ts';
export {
  buildUrl,
  joinPath,
  kvV2Path,
  mountPathOf,
  normalizeApiPath,
  relativeToMount,
} from './paths.ts';
export type { KvV2Prefix, QueryValue } from './paths.ts';
export { SysApi, mountTable } from './sys-api.ts';
export type {
  EnableMountInput,
  HealthStatus,
  InitResponse,
  MountOutput,
  SealStatus,
} from './sys-api.ts';
export { TokenApi, tokenCreateBody } from './token-api.ts';
export type { TokenCreateInput } from './token-api.ts';
export { VaultClient } from './vault-client.ts';
export type {
  FetchFunction,
  HttpMethod,
  RequestOptions,
  VaultClientOptions,
} from './vault-client.ts';
export { VaultProvider } from './vault-provider.ts';
export type { VaultProviderOptions } from './vault-provider.ts';
