export { authResult, createTokenBackend } from './backend.ts';
export type { TokenBackendDeps } from './backend.ts';
export { isPolicySubset, sanitizePolicies, tokenDisplayName } from './token-entry.ts';
export type { TokenEntry } from './token-entry.ts';
export { TokenStore, mountPointOf, toRequestAuth } from './token-store.ts';
export type {
  CreateTokenInput,
  CreatedToken,
  IssuedToken,
  TokenLeases,
  TokenStoreDeps,
} from './token-store.ts';
