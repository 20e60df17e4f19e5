/** The AppRole auth method. */
export { approleBackendFactory, createAppRoleBackend } from './backend.ts';
export type { AppRoleOptions } from './backend.ts';
export { DEFAULT_LOCKOUT_POLICY, LoginLockout } from './lockout.ts';
export type { LockoutPolicy } from './lockout.ts';
