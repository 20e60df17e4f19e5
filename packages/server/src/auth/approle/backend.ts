/**
 * The AppRole auth method: machines log in with a role ID and a secret ID.
 *
 * Each mount gets its own backend instance, with its own salt (in storage), per-secret-ID
 * locks and lockout counters (in memory). `login` is the only unauthenticated path.
 */
import { defineBackend } from '../../framework/backend.ts';
import { definePath } from '../../framework/path.ts';
import type { Backend, BackendFactory } from '../../logical/backend.ts';
import { DEFAULT_LOCKOUT_POLICY, LoginLockout } from './lockout.ts';
import type { LockoutPolicy } from './lockout.ts';
import { loginPaths } from './path-login.ts';
import { rolePaths } from './path-role.ts';
import { secretIdPaths } from './path-secret-id.ts';
import { AppRoleStore } from './store.ts';

export interface AppRoleOptions {
  /** User lockout (default Vault's: 5 failures, 15 minutes, counter reset 15 minutes). */
  readonly lockout?: Partial<LockoutPolicy>;
}

export function createAppRoleBackend(options: AppRoleOptions = {}): Backend {
  const store = new AppRoleStore();
  const lockout = new LoginLockout({ ...DEFAULT_LOCKOUT_POLICY, ...options.lockout });
  const deps = { store, lockout };
  return defineBackend({
    type: 'approle',
    specialPaths: { unauthenticated: ['login'] },
    help: 'The AppRole auth method: machines log in with a role ID and a secret ID.',
    paths: [
      ...loginPaths(deps),
      ...rolePaths(deps),
      ...secretIdPaths(deps),
      definePath({
        pattern: 'tidy/secret-id',
        fields: {},
        operations: {
          update: async ({ storage, clock, logger }) => {
            const { removed } = await store.tidy(storage, clock.now());
            logger.info({ removed }, 'approle tidy finished');
            return {
              status: 202,
              warnings: [
                `Tidy operation finished: ${removed} expired or dangling secret ID records removed.`,
              ],
            };
          },
        },
        help: 'Removes expired secret IDs and dangling index entries.',
      }),
    ],
  });
}

/** The `approle` mount type. */
export const approleBackendFactory: BackendFactory = () => createAppRoleBackend();
