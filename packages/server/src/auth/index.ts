/**
 * Auth methods: AppRole, JWT/OIDC and Kubernetes. Each factory builds one backend per mount;
 * the core registers them by mount type.
 */
export { approleBackendFactory, createAppRoleBackend } from './approle/index.ts';
export type { AppRoleOptions, LockoutPolicy } from './approle/index.ts';
