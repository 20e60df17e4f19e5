/**
 * The node:http adapter. One handler for every request: parse, hand to the core, render,
 * log one line (method, path, status, duration, the caller's accessor; never a token or value).
 */
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer as createHttpServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Subscription } from '../core/events/index.ts';
import type { PipelineResult } from '../core/pipeline/types.ts';
import { atTurnEnd } from '../framework/turn-end.ts';
import { LogicalError } from '../logical/errors.ts';
import type { ConnectionMemo, LogicalRequest, RequestNotes } from '../logical/request.ts';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  buildLogicalRequest,
  operationFor,
  parseJsonBody,
  parseTarget,
  readBody,
} from './request.ts';
import { requestLogObject, requestLogVia } from './request-log.ts';
import type { RequestLog } from './request-log.ts';
import { writeError, writeResult } from './response.ts';

/** What the HTTP layer needs from the core. */
export interface RequestHandler {
  handleRequest(request: LogicalRequest): Promise<PipelineResult>;
  /** Change-event streams (`GET sys/events/subscribe/<type>`), answered as Server-Sent Events. */
  subscribe?(request: LogicalRequest): Promise<Subscription>;
  /** Metrics label for a request path (its mount). */
  mountLabel?(path: string): string;
  /** Records one finished request (metrics). */
  readonly metrics?: {
    observeRequest(mount: string, method: string, status: number, seconds: number): void;
  };
}

const SUBSCRIBE_PREFIX = 'sys/events/subscribe/';

export interface HttpOptions {
  readonly core: RequestHandler;
  readonly logger: Logger;
  /** How each request's line is written (see request-log.ts); through `logger` by default. */
  readonly requestLog?: RequestLog;
  readonly maxRequestBytes?: number;
}

/**
 * Answers are written together at the end of the event-loop turn that produced them (`atTurnEnd`:
 * after the turn's I/O callbacks and their promise chains, including the audit writes those
 * chains waited on), not one by one as each is ready.
 *
 * Why: every write to an idle peer wakes it, and that wake-up (an inter-processor interrupt, a VM
 * exit on virtual machines) is paid inside the writing syscall. Under load the server reads
 * several requests per turn; written back to back, their answers reach the clients, proxies or
 * agents in one wake-up instead of one each. On this project's 2-core VM that took a bare
 * `node:http` server doing 100 µs of work per request from about 4,200 to 5,800 requests/s. The
 * delay it adds is the rest of the current turn: nothing when a request arrives alone.
 */
export class ResponseBatch {
  #pending: (() => Bookkeeping)[] = [];

  /**
   * Runs `write` with this turn's other writes. The bookkeeping it returns (the log line,
   * metrics) runs once every answer of the batch is written, so the answers leave back to back.
   * Neither may throw.
   */
  defer(write: () => Bookkeeping): void {
    this.#pending.push(write);
    if (this.#pending.length === 1) atTurnEnd(this.#flush);
  }

  readonly #flush = (): void => {
    const pending = this.#pending;
    this.#pending = [];
    const after: (() => void)[] = [];
    for (const write of pending) {
      const bookkeeping = write();
      if (bookkeeping !== undefined) after.push(bookkeeping);
    }
    for (const bookkeeping of after) bookkeeping();
  };
}

type Bookkeeping = (() => void) | undefined;

/**
 * One memo per client connection (see ConnectionMemo), forgotten when the connection closes: what
 * it holds, the last token presented, stays no longer than the connection that carried it.
 */
class ConnectionMemos {
  readonly #memos = new WeakMap<Duplex, ConnectionMemo>();

  /** The memo of `socket` (none for a request without one, which Node never makes). */
  of(socket: Duplex | null | undefined): ConnectionMemo | undefined {
    if (socket === null || socket === undefined) return undefined;
    const known = this.#memos.get(socket);
    if (known !== undefined) return known;
    const memo: ConnectionMemo = {};
    this.#memos.set(socket, memo);
    socket.once('close', () => {
      delete memo.token;
    });
    return memo;
  }
}

export function createRequestListener(options: HttpOptions): RequestListener {
  const limit = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const { core } = options;
  // The request line's fields are fixed and never secret (no token, no body, no header): it skips
  // the logger's redaction pass, which would double the cost of the line on every request.
  const logger = options.logger.child({}, { redact: [] });
  const requestLog = options.requestLog ?? requestLogVia(logger);
  const batch = new ResponseBatch();
  const connections = new ConnectionMemos();

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    let path = '';
    /** Filled in by the core (the caller's accessor), for the log line whatever the outcome. */
    const notes: RequestNotes = {};

    /** `mount`: where the core routed the request, when it says so (else looked up again). */
    const finish = (status: number, error?: unknown, mount?: string): void => {
      const seconds = (performance.now() - started) / 1000;
      const label = mount ?? core.mountLabel?.(path) ?? 'unknown';
      core.metrics?.observeRequest(label, method, status, seconds);
      const fields = {
        requestId,
        method,
        path,
        status,
        durationMs: Math.round(seconds * 100_000) / 100,
        accessor: notes.accessor,
      };
      if (error !== undefined && !(error instanceof LogicalError)) {
        // Unknown errors: log the type and message for operators; the client saw only the ID.
        const err = {
          type: (error as Error | undefined)?.name,
          message: (error as Error | undefined)?.message,
        };
        logger.error({ ...requestLogObject(fields), err }, 'request failed');
      } else {
        requestLog(fields);
      }
    };

    const fail = (error: unknown): void => {
      batch.defer(() => {
        const { status } = writeError(res, requestId, error, { head });
        return () => {
          finish(status, error);
        };
      });
    };

    let target;
    try {
      target = parseTarget(req.url ?? '/');
    } catch (error) {
      req.resume();
      fail(error);
      return;
    }
    if (target === undefined) {
      req.resume();
      fail(new LogicalError('unsupported_path', 404, 'not found', { errors: [] }));
      return;
    }
    path = target.path;
    const operation = operationFor(method, target.query);
    if (operation === undefined) {
      req.resume();
      fail(new LogicalError('method_not_allowed', 405, `unsupported method ${method}`));
      return;
    }
    const { query } = target;

    if (method === 'GET' && path.startsWith(SUBSCRIBE_PREFIX) && core.subscribe !== undefined) {
      req.resume();
      const request = buildLogicalRequest({
        id: requestId,
        operation,
        path,
        data: query,
        req,
        notes,
      });
      streamEvents(core.subscribe.bind(core), request, req, res, requestId)
        .then(() => {
          finish(200);
        })
        .catch(fail);
      return;
    }

    readBody(req, limit)
      .then(async (body) => {
        // As Vault: query parameters are input for reads, lists and deletes; a write's input is
        // its body only (a `?foo=` on a PUT must not end up stored in a secret).
        const fromQuery = operation === 'read' || operation === 'list' || operation === 'delete';
        const data = fromQuery ? { ...query, ...parseJsonBody(body) } : parseJsonBody(body);
        const request = buildLogicalRequest({
          id: requestId,
          operation,
          path,
          data,
          req,
          notes,
          connection: connections.of(req.socket),
        });
        const result = await core.handleRequest(request);
        batch.defer(() => {
          let status: number;
          try {
            status = writeResult(res, requestId, result, { head });
          } catch (error) {
            // Nothing written yet (a result that cannot be rendered): answer with the error.
            const written = writeError(res, requestId, error, { head });
            return () => {
              finish(written.status, error);
            };
          }
          return () => {
            finish(status, undefined, result.mountPath);
          };
        });
      })
      .catch(fail);
  };
}

export interface TlsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** Creates the HTTP (or HTTPS) server with sane socket limits. */
export function createServer(options: HttpOptions & { readonly tls?: TlsOptions }): Server {
  const listener = createRequestListener(options);
  const server =
    options.tls === undefined
      ? createHttpServer({ keepAliveTimeout: 65_000 }, listener)
      : createHttpsServer(
          { cert: options.tls.cert, key: options.tls.key, keepAliveTimeout: 65_000 },
          listener,
        );
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.on('clientError', (error: Error & { code?: string; rawPacket?: Buffer }, socket) => {
    // The server's sockets are net.Socket (tls.TLSSocket for HTTPS); the event types a Duplex.
    if (!(socket instanceof Socket)) {
      socket.destroy();
      return;
    }
    if (!answerUnparsedMethod(listener, error, socket)) refuseUnparsable(error, socket);
  });
  return server;
}

/**
 * Node's HTTP parser knows a fixed list of methods, and Vault's `LIST` is not on it: the parser
 * rejects the request (HPE_INVALID_METHOD) before any handler runs, and Node would answer a bare
 * 400. Vault's CLI, hvac, node-vault and our own client send `LIST`, so a request with a method
 * the parser does not know is rebuilt from the raw packet and handed to the same listener (same
 * parsing, limits and log line): `LIST` is served, any other unknown verb gets the listener's
 * 405 with an `errors` body. The parser cannot continue after its error, so the connection
 * closes after the response. Returns false for any other parse error.
 */
export function answerUnparsedMethod(
  listener: RequestListener,
  error: { code?: string; rawPacket?: Buffer },
  socket: Socket,
): boolean {
  const raw = error.rawPacket;
  if (error.code !== 'HPE_INVALID_METHOD' || raw === undefined) return false;
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1) return false;
  const lines = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const requestLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/(1\.[01])$/.exec(lines[0] ?? '');
  if (requestLine === null) return false;
  const req = new IncomingMessage(socket);
  req.method = requestLine[1] ?? '';
  req.url = requestLine[2] ?? '/';
  req.httpVersion = requestLine[3] ?? '1.1';
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return false;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    rawHeaders.push(name, value);
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  req.headers = headers;
  req.rawHeaders = rawHeaders;
  // Whatever body arrived with the head is passed on (a LIST carries none that matters).
  const body = raw.subarray(headEnd + 4);
  if (body.length > 0) req.push(body);
  req.push(null);
  // Complete, as the parser would mark it: an incomplete message destroys its socket on end.
  req.complete = true;
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => {
    res.detachSocket(socket);
    socket.destroySoon();
  });
  listener(req, res);
  return true;
}

/** What Node does without a `clientError` listener: a bare status, then close. */
function refuseUnparsable(error: { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
}

/** Listens and resolves with the bound address (port 0 picks a free port). */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Streams a subscription as Server-Sent Events: one `data:` frame per CloudEvent (JSON), a
 * comment heartbeat every 15 s so proxies keep the connection, until the client goes away or the
 * subscription ends (token revoked, too slow, sealed).
 */
async function streamEvents(
  subscribe: NonNullable<RequestHandler['subscribe']>,
  request: LogicalRequest,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  if (req.headers.upgrade?.toLowerCase() === 'websocket') {
    throw new LogicalError(
      'bad_request',
      400,
      'WebSocket is not supported here: subscribe with Server-Sent Events (a plain GET with Accept: text/event-stream)',
    );
  }
  const subscription = await subscribe(request);
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-request-id': requestId,
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  heartbeat.unref();
  const stop = (): void => {
    subscription.close();
  };
  req.socket.once('close', stop);
  // Set while waiting for a backed-up socket to drain; the subscription's end (client gone,
  // dropped as too slow, token revoked, sealed) wakes the wait. One reaction per stream, so
  // repeated waits accumulate nothing.
  let wake: (() => void) | undefined;
  void subscription.done.then(() => wake?.());
  try {
    for (;;) {
      const event = await subscription.next();
      if (event === undefined) break;
      if (
        !res.write(
          `id: ${event.id}\nevent: ${event.data.event_type}\ndata: ${JSON.stringify(event)}\n\n`,
        )
      ) {
        // The socket is backed up: wait for it rather than queueing without bound (the bus
        // drops this subscriber if it falls too far behind meanwhile). Also stop waiting when
        // the client goes away or the subscription ends (dropped, revoked, sealed): a destroyed
        // socket never drains, and waiting on would keep this stream and its heartbeat forever.
        if (subscription.endReason !== undefined) break;
        const drained = await new Promise<boolean>((resolve) => {
          const onDrain = (): void => {
            wake = undefined;
            resolve(true);
          };
          res.once('drain', onDrain);
          wake = () => {
            res.off('drain', onDrain);
            wake = undefined;
            resolve(false);
          };
        });
        if (!drained) break;
      }
    }
  } finally {
    clearInterval(heartbeat);
    req.socket.off('close', stop);
    res.end();
  }
}
