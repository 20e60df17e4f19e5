/**
 * The JWT/OIDC auth method: workloads log in with a JWT signed by a trusted issuer. Mounted as
 * type `jwt` or `oidc` (the same backend; the OIDC redirect flow is not implemented).
 *
 * Each mount gets its own backend and key-source cache (see keys.ts).
 */
import { defineBackend } from '../../framework/backend.ts';
import type { Backend, BackendFactory } from '../../logical/backend.ts';
import { KeySources } from './keys.ts';
import type { KeySourceOptions } from './keys.ts';
import { configPaths } from './path-config.ts';
import { loginPaths } from './path-login.ts';
import { rolePaths } from './path-role.ts';

export type JwtBackendOptions = KeySourceOptions;

export function createJwtBackend(type: string, options: JwtBackendOptions = {}): Backend {
  const keys = new KeySources(options);
  return defineBackend({
    type,
    specialPaths: { unauthenticated: ['login'] },
    help: 'The JWT/OIDC auth method: log in with a JWT signed by a trusted issuer.',
    paths: [...loginPaths({ keys }), ...configPaths({ keys }), ...rolePaths()],
    cleanup: () => {
      keys.invalidate();
      return Promise.resolve();
    },
  });
}

/** The `jwt` and `oidc` mount types. */
export const jwtBackendFactory: BackendFactory = (setup) => createJwtBackend(setup.mount.type);
