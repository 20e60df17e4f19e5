/**
 * The server's request path without sockets: Strongroom's request listener (the same one
 * `startServer` installs, over the same core) driven in-process with real `IncomingMessage` and
 * `ServerResponse` objects on a socket stand-in that discards what is written, 10 requests in
 * flight at a time, against a bare `node:http` listener answering the same body the same way
 * (`bareListener`, the loopback benchmarks' baseline). No kernel, no load generator and no
 * wake-ups: this measures the server's own work per request, steadier than the loopback
 * benchmarks (server-core, server-kv), which swing by ten percent from one run to the next on
 * this VM, though a noisy minute still moves it. It has no target of its own; it explains theirs.
 *   (a) `auth/token/lookup-self` with a non-root token (as server-core)
 *   (b) KV v2 read with a non-root token and a file audit device writing to `discard` (as
 *       server-kv, without the file's system calls)
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestListener } from 'node:http';
import { Duplex } from 'node:stream';
import { pino } from 'pino';
import { createRequestListener } from '../packages/server/src/http/server.ts';
import { requestLogTo } from '../packages/server/src/http/request-log.ts';
import { TurnBatchedLines } from '../packages/server/src/logging.ts';
import { startServer } from '../packages/server/src/server.ts';
import { api, compareAsync, discardingStream, fmt, report } from './lib.ts';
import { bareListener } from './load.ts';

const IN_FLIGHT = 10;
/** Batches of IN_FLIGHT requests per timed round. */
const BATCHES = 5_000;
const ROUNDS = 5;
const ROOT = 'bench-root';

/** A connection stand-in: accepts and drops whatever the response writes. */
class DiscardingSocket extends Duplex {
  readonly remoteAddress = '127.0.0.1';
  override _read(): void {
    // Nothing arrives: the request is handed over already parsed.
  }
  override _write(_chunk: unknown, _encoding: BufferEncoding, done: () => void): void {
    done();
  }
  setTimeout(): this {
    return this;
  }
}

/** One GET through `listener`, settled when its response has been written in full. */
function request(
  listener: RequestListener,
  socket: DiscardingSocket,
  url: string,
  headers: Record<string, string>,
): Promise<void> {
  const req = new IncomingMessage(socket as never);
  req.method = 'GET';
  req.url = url;
  req.headers = { host: '127.0.0.1', connection: 'keep-alive', ...headers };
  // As the HTTP parser leaves a bodiless request: complete, its body ended.
  req.complete = true;
  req.push(null);
  const res = new ServerResponse(req);
  res.assignSocket(socket as never);
  return new Promise((resolve) => {
    res.on('finish', () => {
      res.detachSocket(socket as never);
      resolve();
    });
    listener(req, res);
  });
}

function batchOf(
  listener: RequestListener,
  url: string,
  headers: Record<string, string>,
): () => Promise<unknown> {
  const sockets = Array.from({ length: IN_FLIGHT }, () => new DiscardingSocket());
  return () => Promise.all(sockets.map((socket) => request(listener, socket, url, headers)));
}

export async function runServerListener(): Promise<void> {
  report('## server request path in-process (no sockets)');
  const discard = discardingStream();
  const server = await startServer({
    dev: { rootTokenId: ROOT },
    listenAddress: '127.0.0.1:0',
    logDestination: discard,
  });
  try {
    await api(server, 'PUT', 'sys/policies/acl/bench-read', ROOT, {
      policy: 'path "secret/data/bench" { capabilities = ["read"] }',
    });
    const created = (await api(server, 'POST', 'auth/token/create', ROOT, {
      policies: ['bench-read'],
      ttl: '24h',
    })) as { auth: { client_token: string } };
    const token = created.auth.client_token;
    await api(server, 'PUT', 'secret/data/bench', ROOT, {
      data: { username: 'app', password: 'correct-horse-battery-staple', port: 5432 },
    });

    // The listener as startServer builds it: the same core, log destination and line writer.
    const destination = new TurnBatchedLines(discard);
    const logger = pino({ level: 'info', base: null }, destination);
    const listener = createRequestListener({
      core: server.core,
      logger,
      requestLog: requestLogTo(destination, logger),
    });
    const headers = { 'x-vault-token': token };
    for (const [name, path, audited] of [
      ['(a) lookup-self', '/v1/auth/token/lookup-self', false],
      ['(b) KV v2 read, audited', '/v1/secret/data/bench', true],
    ] as const) {
      if (audited) {
        await api(server, 'PUT', 'sys/audit/file', ROOT, {
          type: 'file',
          options: { file_path: 'discard' },
        });
      }
      const sample = await fetch(`${server.address}${path}`, { headers });
      const body = await sample.text();
      if (sample.status !== 200) throw new Error(`${path} answered ${sample.status}`);
      const result = await compareAsync(
        name,
        batchOf(bareListener(body), path, headers),
        batchOf(listener, path, headers),
        { iterations: BATCHES, rounds: ROUNDS },
      );
      const perRequest = (ns: number): string => fmt(ns / IN_FLIGHT / 1000, 2);
      report(
        `${name}: strongroom ${perRequest(result.subjectNsPerOp)} µs/request, bare listener ${perRequest(result.baselineNsPerOp)} µs/request, ${fmt(result.ratio)}x (median of ${ROUNDS} rounds, ${IN_FLIGHT} in flight)`,
      );
    }
  } finally {
    await server.close();
  }
}
