/**
 * Starting real servers on port 0 for the integration tests, with their log captured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@strongroom/protocol';
import { VaultClient } from '@strongroom/client';
import { parseConfig } from '../../src/config/index.ts';
import { startServer } from '../../src/server.ts';
import type { RunningServer } from '../../src/server.ts';
import { testBackends } from './kv-backend.ts';
import { LogSink } from './log-sink.ts';

export const DEV_ROOT_TOKEN = 'root';

export interface TestServer {
  readonly server: RunningServer;
  readonly address: string;
  readonly log: LogSink;
  /** A client with the root token (dev) or no token (config servers before init). */
  readonly client: VaultClient;
  readonly rootToken: string;
  close(): Promise<void>;
}

/** A dev server: in memory, initialized, unsealed, root token `root`, test engines available. */
export async function startDev(options: { clock?: Clock } = {}): Promise<TestServer> {
  const log = new LogSink();
  const server = await startServer({
    dev: { rootTokenId: DEV_ROOT_TOKEN },
    listenAddress: '127.0.0.1:0',
    logDestination: log,
    backends: testBackends,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    server,
    address: server.address,
    log,
    client: new VaultClient({ address: server.address, token: DEV_ROOT_TOKEN }),
    rootToken: DEV_ROOT_TOKEN,
    close: () => server.close(),
  };
}

export interface ConfigServerOptions {
  /** The storage directory (file storage); reuse it to restart on the same data. */
  readonly dir: string;
  readonly maxRequestSize?: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly clock?: Clock;
  readonly log?: LogSink;
}

/**
 * A server from a Vault-style JSON configuration on file storage in `dir`: uninitialized the
 * first time, sealed on every later start.
 */
export async function startWithConfig(
  options: ConfigServerOptions,
): Promise<Omit<TestServer, 'rootToken'>> {
  const listener: Record<string, unknown> = { address: '127.0.0.1:0' };
  if (options.tls === undefined) listener.tls_disable = 1;
  else {
    listener.tls_cert_file = options.tls.certFile;
    listener.tls_key_file = options.tls.keyFile;
  }
  if (options.maxRequestSize !== undefined) listener.max_request_size = options.maxRequestSize;
  const text = JSON.stringify({
    listener: { tcp: listener },
    storage: { file: { path: options.dir } },
    log_level: 'info',
  });
  const config = await parseConfig(join(options.dir, 'server.json'), text);
  const log = options.log ?? new LogSink();
  const server = await startServer({
    config,
    logDestination: log,
    backends: testBackends,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    server,
    address: server.address,
    log,
    client: new VaultClient({ address: server.address }),
    close: () => server.close(),
  };
}

/** Initializes with `shares`/`threshold`, unseals with the first `threshold` keys. */
export async function initAndUnseal(
  client: VaultClient,
  shares = 1,
  threshold = 1,
): Promise<{ rootToken: string; keys: string[] }> {
  const init = await client.sys.init({ secretShares: shares, secretThreshold: threshold });
  for (const key of init.keys.slice(0, threshold)) await client.sys.unseal(key);
  return { rootToken: init.root_token, keys: init.keys };
}

/** Unseals with the given key shares. */
export async function unsealWith(client: VaultClient, keys: readonly string[]): Promise<void> {
  for (const key of keys) await client.sys.unseal(key);
}

/** A fresh temporary directory, and its removal. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `strongroom-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
