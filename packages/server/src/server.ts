/**
 * Starting and stopping a whole server: storage, core, HTTP listener, logging, signals.
 * Used by `strongroom server` and by the integration tests (on port 0).
 */
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { systemClock } from '@strongroom/protocol';
import type { Clock } from '@strongroom/protocol';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { builtinBackends } from './builtin.ts';
import type { ServerConfig } from './config/index.ts';
import { Core } from './core/core.ts';
import type { AuditSink } from './core/pipeline/types.ts';
import { requestLogTo } from './http/request-log.ts';
import type { RequestLog } from './http/request-log.ts';
import { createServer, listen } from './http/server.ts';
import type { BackendFactory } from './logical/backend.ts';
import { TurnBatchedLines } from './logging.ts';
import { isPhysicalStorageKind, openPhysicalStorage } from './storage/index.ts';

export interface DevOptions {
  /** Use this root token ID instead of a random one. */
  readonly rootTokenId?: string;
}

export interface StartServerOptions {
  /** A parsed configuration; omitted in dev mode (in-memory storage, 127.0.0.1:8200). */
  readonly config?: ServerConfig;
  /** Dev mode: initialized, unsealed, in memory, root token printed. */
  readonly dev?: DevOptions;
  /** Overrides the listener address (`host:port`; port 0 picks a free one). */
  readonly listenAddress?: string;
  readonly clock?: Clock;
  /** Where logs go (default stdout). */
  readonly logDestination?: DestinationStream;
  readonly logger?: Logger;
  readonly backends?: Readonly<Record<string, BackendFactory>>;
  readonly audit?: AuditSink;
}

export interface RunningServer {
  /** `http://127.0.0.1:8200` (or https). */
  readonly address: string;
  readonly port: number;
  readonly core: Core;
  readonly logger: Logger;
  /** Dev mode only. */
  readonly rootToken?: string;
  readonly unsealKey?: string;
  close(): Promise<void>;
}

export const DEV_CONFIG: ServerConfig = {
  listener: { address: '127.0.0.1:8200', tlsDisable: true },
  storage: { kind: 'inmem' },
  logLevel: 'info',
};

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const config = options.config ?? DEV_CONFIG;
  const clock = options.clock ?? systemClock;
  let logger: Logger;
  let requestLog: RequestLog | undefined;
  if (options.logger !== undefined) {
    logger = options.logger;
  } else {
    // The lines of a turn go out together (see TurnBatchedLines). The request lines are written
    // to the same destination directly, which relies on these options (see request-log.ts).
    const destination = new TurnBatchedLines(options.logDestination ?? pino.destination(1));
    logger = pino(
      {
        level: config.logLevel,
        base: null,
        redact: { paths: ['token', 'client_token', '*.token'], censor: '[redacted]' },
      },
      destination,
    );
    requestLog = requestLogTo(destination, logger);
  }
  if (!isPhysicalStorageKind(config.storage.kind)) {
    throw new Error(
      `storage "${config.storage.kind}" is not supported (use file, raft, sqlite or inmem)`,
    );
  }
  const physical = await openPhysicalStorage(config.storage.kind, {
    ...(config.storage.path === undefined ? {} : { path: config.storage.path }),
  });
  const core = new Core({
    physical,
    storageType: config.storage.kind,
    clock,
    logger,
    backends: options.backends ?? builtinBackends,
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    ...(config.defaultLeaseTtlMs === undefined
      ? {}
      : { defaultLeaseTtlMs: config.defaultLeaseTtlMs }),
    ...(config.maxLeaseTtlMs === undefined ? {} : { maxLeaseTtlMs: config.maxLeaseTtlMs }),
    ...(config.clusterName === undefined ? {} : { clusterName: config.clusterName }),
  });

  let dev: { unsealKey: string; rootToken: string } | undefined;
  if (options.dev !== undefined) {
    dev = await core.devSetup(options.dev);
    if (builtinBackends.kv !== undefined || options.backends?.kv !== undefined) {
      await core.handleRequest({
        id: 'dev-setup',
        operation: 'update',
        path: 'sys/mounts/secret',
        data: { type: 'kv', options: { version: '2' }, description: 'key/value secret storage' },
        clientToken: dev.rootToken,
        remoteAddress: '127.0.0.1',
      });
    }
  }

  const tls =
    config.listener.tlsDisable ||
    config.listener.tlsCertFile === undefined ||
    config.listener.tlsKeyFile === undefined
      ? undefined
      : {
          cert: await readFile(config.listener.tlsCertFile),
          key: await readFile(config.listener.tlsKeyFile),
        };
  const server: Server = createServer({
    core,
    logger,
    ...(requestLog === undefined ? {} : { requestLog }),
    ...(config.listener.maxRequestBytes === undefined
      ? {}
      : { maxRequestBytes: config.listener.maxRequestBytes }),
    ...(tls === undefined ? {} : { tls }),
  });
  const { host, port } = splitAddress(options.listenAddress ?? config.listener.address);
  const bound = await listen(server, port, host);
  const scheme = tls === undefined ? 'http' : 'https';
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const address = `${scheme}://${shownHost}:${bound.port}`;
  logger.info({ address, storage: config.storage.kind, dev: dev !== undefined }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeIdleConnections();
      });
      await core.shutdown();
      await physical.close();
      logger.info('stopped');
    })();
    return closing;
  };

  return {
    address,
    port: bound.port,
    core,
    logger,
    close,
    ...(dev === undefined ? {} : { rootToken: dev.rootToken, unsealKey: dev.unsealKey }),
  };
}

/** Splits `host:port` (IPv6 in brackets). */
export function splitAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (match === null) throw new Error(`invalid listener address "${address}": expected host:port`);
  const host = match[1] ?? match[2] ?? '127.0.0.1';
  return { host: host === '' ? '0.0.0.0' : host, port: Number(match[3]) };
}
