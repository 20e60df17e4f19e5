/**
 * Auth methods: AppRole, JWT/OIDC and Kubernetes. Each factory builds one backend per mount;
 * the core registers them by mount type (`approle`; `jwt` and `oidc`; `kubernetes`).
 */
export { approleBackendFactory, createAppRoleBackend } from './approle/index.ts';
export type { AppRoleOptions, LockoutPolicy } from './approle/index.ts';
export { createJwtBackend, jwtBackendFactory } from './jwt/index.ts';
export type { JwtBackendOptions } from './jwt/index.ts';
export { createKubernetesBackend, kubernetesBackendFactory } from './kubernetes/index.ts';
export type { KubernetesBackendOptions } from './kubernetes/index.ts';
