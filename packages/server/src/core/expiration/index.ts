export { DEFAULT_RETRY, fullJitterDelay } from './backoff.ts';
export type { RetryPolicy } from './backoff.ts';
export { ExpirationManager, authLeaseId } from './expiration-manager.ts';
export type {
  ExpirationDeps,
  RegisterAuthInput,
  RegisterSecretInput,
} from './expiration-manager.ts';
export type { LeaseEntry, LeaseKind } from './lease-entry.ts';
