/**
 * The database secrets engine (mount type `database`), Vault-compatible: connections, dynamic
 * roles and leased credentials, static roles with scheduled rotation, root rotation.
 *
 * Lifecycle: `initialize` arms the static-rotation timers (on the injected clock); `cleanup`
 * cancels them and closes every connection pool. Engines never touch the lease manager: `creds`
 * responses carry a secret and the pipeline registers the lease.
 */
import { defineBackend } from '../../framework/backend.ts';
import type { Backend, BackendFactory, BackendSetupContext } from '../../logical/backend.ts';
import { DatabaseEngine } from './engine.ts';
import { configPaths } from './path-config.ts';
import { credsPaths } from './path-creds.ts';
import { rolePaths } from './path-roles.ts';
import { staticRolePaths } from './path-static-roles.ts';
import type { PluginFactory } from './plugin.ts';
import { createCredsSecret } from './secret-creds.ts';
import { StaticRotation } from './static-rotation.ts';

export interface DatabaseBackendOptions {
  /** Replaces the drivers (engine tests use a fake that implements the real interface). */
  readonly pluginFactory?: PluginFactory;
  /** [0, 1) for rotation retry jitter. */
  readonly random?: () => number;
}

export function createDatabaseBackend(
  setup: BackendSetupContext,
  options: DatabaseBackendOptions = {},
): Backend {
  const engine = new DatabaseEngine({
    storage: setup.storage,
    logger: setup.logger,
    ...(options.pluginFactory === undefined ? {} : { pluginFactory: options.pluginFactory }),
    ...(setup.generatePassword === undefined ? {} : { generatePassword: setup.generatePassword }),
  });
  const rotation = new StaticRotation({
    engine,
    clock: setup.clock,
    logger: setup.logger,
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  const creds = createCredsSecret(engine);
  return defineBackend({
    type: 'database',
    help: 'Issues short-lived database users and rotates the passwords of existing ones.',
    paths: [
      ...configPaths(engine),
      ...rolePaths(engine),
      ...credsPaths(engine, creds),
      ...staticRolePaths(engine, rotation),
    ],
    secrets: [creds],
    initialize: () => rotation.start(),
    cleanup: async () => {
      rotation.stop();
      await engine.closeAll();
    },
  });
}

/** Registered under mount type `database`. */
export const databaseBackendFactory: BackendFactory = (setup) => createDatabaseBackend(setup);
