/**
 * The secrets engines and auth methods this server can mount, by mount type.
 * (`system` and `token` are built into the core.)
 */
import {
  approleBackendFactory,
  jwtBackendFactory,
  kubernetesBackendFactory,
} from './auth/index.ts';
import { databaseBackendFactory } from './engines/database/index.ts';
import { kvBackendFactory } from './engines/kv/index.ts';
import type { BackendFactory } from './logical/backend.ts';

export const builtinBackends: Readonly<Record<string, BackendFactory>> = {
  kv: kvBackendFactory,
  database: databaseBackendFactory,
  approle: approleBackendFactory,
  jwt: jwtBackendFactory,
  oidc: jwtBackendFactory,
  kubernetes: kubernetesBackendFactory,
  generic: kvBackendFactory,
};
