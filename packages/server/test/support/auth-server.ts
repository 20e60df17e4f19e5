/**
 * A dev server with the auth methods registered, for the auth integration tests: real HTTP on
 * port 0, a captured log, a root client and a token-less client for logins.
 */
import type { Clock } from '@strongroom/protocol';
import { VaultClient } from '@strongroom/client';
import {
  approleBackendFactory,
  jwtBackendFactory,
  kubernetesBackendFactory,
} from '../../src/auth/index.ts';
import { builtinBackends } from '../../src/builtin.ts';
import { startServer } from '../../src/server.ts';
import type { RunningServer } from '../../src/server.ts';
import { LogSink } from './log-sink.ts';

export interface AuthTestServer {
  readonly server: RunningServer;
  readonly address: string;
  readonly log: LogSink;
  /** Root token client. */
  readonly root: VaultClient;
  /** A client with no token, as a machine that is about to log in. */
  readonly anonymous: VaultClient;
  close(): Promise<void>;
}

export async function startAuthServer(options: { clock?: Clock } = {}): Promise<AuthTestServer> {
  const log = new LogSink();
  const server = await startServer({
    dev: { rootTokenId: 'root' },
    listenAddress: '127.0.0.1:0',
    logDestination: log,
    backends: {
      ...builtinBackends,
      approle: approleBackendFactory,
      jwt: jwtBackendFactory,
      oidc: jwtBackendFactory,
      kubernetes: kubernetesBackendFactory,
    },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    server,
    address: server.address,
    log,
    root: new VaultClient({ address: server.address, token: 'root' }),
    anonymous: new VaultClient({ address: server.address }),
    close: () => server.close(),
  };
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function refusal(promise: Promise<unknown>): Promise<{
  status: number;
  errors: readonly string[];
}> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: number; errors?: readonly string[] };
    return { status: e.status ?? 0, errors: e.errors ?? [] };
  }
  throw new Error('expected the request to be refused');
}
