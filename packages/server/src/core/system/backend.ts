/**
 * The `sys/` backend: seal, mounts, policies, capabilities. Declared like any engine; it reaches
 * the core only through `SystemDeps`.
 */
import { defineBackend } from '../../framework/backend.ts';
import type { Backend } from '../../logical/backend.ts';
import type { SystemDeps } from './deps.ts';
import { AUDIT_ROOT_PATHS, auditPaths } from './path-audit.ts';
import { leasePaths } from './path-leases.ts';
import { mountPaths } from './path-mounts.ts';
import { passwordPolicyPaths } from './path-password-policies.ts';
import { quotaPaths } from './path-quotas.ts';
import { policyPaths } from './path-policies.ts';
import { sealPaths } from './path-seal.ts';

/** Paths that work without a token (and while sealed, for the seal ones). */
export const SYSTEM_UNAUTHENTICATED_PATHS = [
  'init',
  'seal-status',
  'unseal',
  'health',
  'leader',
  'internal/ui/mounts',
  'internal/ui/mounts/*',
] as const;

/** Paths that must work while sealed. */
export const SYSTEM_SEALED_PATHS: ReadonlySet<string> = new Set([
  'init',
  'seal-status',
  'unseal',
  'health',
  'leader',
]);

export function createSystemBackend(deps: SystemDeps): Backend {
  return defineBackend({
    type: 'system',
    paths: [
      ...sealPaths(deps),
      ...mountPaths(deps),
      ...policyPaths(deps),
      ...auditPaths(deps),
      ...leasePaths(deps),
      ...quotaPaths(deps),
      ...passwordPolicyPaths(deps),
    ],
    specialPaths: {
      unauthenticated: SYSTEM_UNAUTHENTICATED_PATHS,
      root: [
        ...AUDIT_ROOT_PATHS,
        'seal',
        'key-status',
        'rotate',
        'auth/*',
        'leases/revoke-prefix/*',
        'leases/revoke-force/*',
        'leases/lookup/*',
        'revoke-prefix/*',
        'revoke-force/*',
      ],
    },
  });
}
