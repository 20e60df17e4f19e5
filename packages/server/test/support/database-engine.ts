/**
 * The database engine behind a real server, for its PostgreSQL and MySQL integration tests:
 * starting the server with the engine mounted, issuing users, and catching the API error a call
 * must fail with. What a credential allows stays in each test, asked with that database's driver.
 */
import type { Clock, VaultResponse } from '@strongroom/protocol';
import { VaultApiError, VaultClient } from '@strongroom/client';
import { builtinBackends } from '../../src/builtin.ts';
import { databaseBackendFactory } from '../../src/engines/database/index.ts';
import { startServer } from '../../src/server.ts';
import type { RunningServer } from '../../src/server.ts';
import type { LogSink } from './log-sink.ts';

/**
 * A dev server on port 0 logging to `log` (on `clock` when given), with the database engine
 * mounted at `database/`, and a client holding its root token.
 */
export async function startDatabaseServer(
  log: LogSink,
  clock?: Clock,
): Promise<{ server: RunningServer; client: VaultClient }> {
  const server = await startServer({
    dev: {},
    listenAddress: '127.0.0.1:0',
    backends: { ...builtinBackends, database: databaseBackendFactory },
    logDestination: log,
    ...(clock === undefined ? {} : { clock }),
  });
  const client = new VaultClient({ address: server.address, token: server.rootToken ?? '' });
  await client.sys.enableMount('database', { type: 'database' });
  return { server, client };
}

/** A user issued by `database/creds/<role>`: the lease response and the login it carries. */
export interface IssuedUser {
  readonly creds: VaultResponse | undefined;
  readonly username: string;
  readonly password: string;
}

/**
 * Reads `database/creds/<role>` as `client` (whose token then owns the lease) and records the
 * new username in `issued`, the list the test's cleanup drops.
 */
export async function issueUser(
  client: VaultClient,
  role: string,
  issued: string[],
): Promise<IssuedUser> {
  const creds = await client.read(`database/creds/${role}`);
  const { username, password } = creds?.data as { username: string; password: string };
  issued.push(username);
  return { creds, username, password };
}

/** A new token with the root policy, child of `client`'s: revoking it revokes its leases. */
export async function childToken(client: VaultClient): Promise<string> {
  const child = await client.write('auth/token/create', { policies: ['root'] });
  return child?.auth?.client_token ?? '';
}

/** The `VaultApiError` that `promise` rejects with; throws if it succeeds or fails otherwise. */
export async function apiError(promise: Promise<unknown>): Promise<VaultApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VaultApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
