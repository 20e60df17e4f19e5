/**
 * The Kubernetes auth method: pods log in with their service account token, which the
 * cluster's TokenReview API vouches for.
 */
import { defineBackend } from '../../framework/backend.ts';
import type { Backend, BackendFactory } from '../../logical/backend.ts';
import { configPaths } from './path-config.ts';
import { loginPaths, readLocalFile } from './path-login.ts';
import type { KubernetesLoginDeps } from './path-login.ts';
import { rolePaths } from './path-role.ts';
import { reviewToken } from './token-review.ts';

export type KubernetesBackendOptions = Partial<KubernetesLoginDeps>;

export function createKubernetesBackend(options: KubernetesBackendOptions = {}): Backend {
  const deps: KubernetesLoginDeps = {
    review: options.review ?? reviewToken,
    readLocal: options.readLocal ?? readLocalFile,
  };
  return defineBackend({
    type: 'kubernetes',
    specialPaths: { unauthenticated: ['login'] },
    help: 'The Kubernetes auth method: log in with a service account token.',
    paths: [...loginPaths(deps), ...configPaths(), ...rolePaths()],
  });
}

/** The `kubernetes` mount type. */
export const kubernetesBackendFactory: BackendFactory = () => createKubernetesBackend();
