/**
 * The node:http adapter. One handler for every request: parse, hand to the core, render,
 * log one line (method, path, status, duration, the caller's accessor; never a token or value).
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { PipelineResult } from '../core/pipeline/types.ts';
import { LogicalError } from '../logical/errors.ts';
import type { LogicalRequest } from '../logical/request.ts';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  buildLogicalRequest,
  operationFor,
  parseJsonBody,
  parseTarget,
  readBody,
} from './request.ts';
import { writeError, writeResult } from './response.ts';

/** What the HTTP layer needs from the core. */
export interface RequestHandler {
  handleRequest(request: LogicalRequest): Promise<PipelineResult>;
}

export interface HttpOptions {
  readonly core: RequestHandler;
  readonly logger: Logger;
  readonly maxRequestBytes?: number;
}

export function createRequestListener(options: HttpOptions): RequestListener {
  const limit = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const { core, logger } = options;

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    let path = '';
    let accessor: string | undefined;

    const finish = (status: number, error?: unknown): void => {
      const fields: Record<string, unknown> = {
        request_id: requestId,
        method,
        path,
        status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
      };
      if (accessor !== undefined) fields.accessor = accessor;
      if (error !== undefined && !(error instanceof LogicalError)) {
        // Unknown errors: log the type and message for operators; the client saw only the ID.
        fields.err = {
          type: (error as Error | undefined)?.name,
          message: (error as Error | undefined)?.message,
        };
        logger.error(fields, 'request failed');
      } else {
        logger.info(fields, 'request');
      }
    };

    const fail = (error: unknown): void => {
      const { status } = writeError(res, requestId, error, { head });
      finish(status, error);
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

    readBody(req, limit)
      .then(async (body) => {
        const data = { ...query, ...parseJsonBody(body) };
        const request = buildLogicalRequest({ id: requestId, operation, path, data, req });
        const result = await core.handleRequest(request);
        accessor = result.caller?.accessor;
        const status = writeResult(res, requestId, result, { head });
        finish(status);
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
  return server;
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
