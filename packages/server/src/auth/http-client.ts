/**
 * Outbound HTTP(S) for auth methods (JWKS, OIDC discovery, Kubernetes TokenReview), with an
 * optional CA bundle for servers whose certificate a private CA signed.
 *
 * Contracts:
 * - Errors say what failed and where (method, host and path), never a header or a body: a
 *   request may carry a bearer JWT, and a response may carry tokens.
 * - Responses are capped (`maxBytes`); a larger one is an error, not a truncation.
 * - Every request has a timeout; the caller's `signal` aborts it too.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpCallOptions {
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** PEM CA bundle to trust instead of the system's (https only). */
  readonly caPem?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly maxBytes?: number;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A failed call (network, TLS, timeout, oversize). The message names no secret. */
export class OutboundHttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundHttpError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

export function httpCall(url: URL, options: HttpCallOptions): Promise<HttpReply> {
  const where = `${options.method} ${url.protocol}//${url.host}${url.pathname}`;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return Promise.reject(new OutboundHttpError(`${where}: unsupported URL scheme`));
  }
  return new Promise<HttpReply>((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const common = {
      method: options.method,
      headers,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          reject(new OutboundHttpError(`${where}: response larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const replyHeaders: Record<string, string> = {};
        for (const [key, value] of Object.entries(res.headers)) {
          if (typeof value === 'string') replyHeaders[key] = value;
          else if (Array.isArray(value)) replyHeaders[key] = value.join(', ');
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: replyHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', () => {
        reject(new OutboundHttpError(`${where}: connection failed while reading the response`));
      });
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(
            url,
            { ...common, ...(options.caPem === undefined ? {} : { ca: options.caPem }) },
            onResponse,
          )
        : httpRequest(url, common, onResponse);
    req.on('timeout', () => {
      req.destroy();
      reject(new OutboundHttpError(`${where}: timed out`));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, ...) helps and carries no secret.
      reject(new OutboundHttpError(`${where}: ${error.code ?? 'request failed'}`));
    });
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/**
 * A `fetch`-shaped function over `httpCall` with a CA, for libraries that take a custom fetch
 * (jose's remote JWKS). Only GET without a body is needed there.
 */
export function fetchWithCa(
  caPem: string | undefined,
  timeoutMs?: number,
): (url: string, init: { headers: Headers; signal: AbortSignal }) => Promise<Response> {
  return async (url, init) => {
    const headers: Record<string, string> = {};
    init.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const reply = await httpCall(new URL(url), {
      method: 'GET',
      headers,
      signal: init.signal,
      ...(caPem === undefined || caPem === '' ? {} : { caPem }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return new Response(reply.body, { status: reply.status, headers: reply.headers });
  };
}
