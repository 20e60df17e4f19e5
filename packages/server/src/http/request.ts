/**
 * HTTP -> logical request: verb to operation, token headers, query and body parsing.
 */
import type { IncomingMessage } from 'node:http';
import { parseDuration } from '@strongroom/protocol';
import { LogicalError } from '../logical/errors.ts';
import type {
  ConnectionMemo,
  LogicalRequest,
  Operation,
  RequestNotes,
} from '../logical/request.ts';

export const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

export interface ParsedTarget {
  /** Path below `/v1/`, percent-decoded, without leading slash. */
  readonly path: string;
  readonly query: Record<string, unknown>;
}

/** Splits a request target into the logical path and its query, or undefined if not under /v1/. */
export function parseTarget(url: string): ParsedTarget | undefined {
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  if (!rawPath.startsWith('/v1/') && rawPath !== '/v1') return undefined;
  let path = rawPath.slice(4);
  // Every request passes here: decode and split only a path that needs it.
  if (path.includes('%')) {
    try {
      path = decodeURIComponent(path);
    } catch {
      throw new LogicalError('bad_request', 400, 'invalid percent-encoding in request path');
    }
  }
  if (
    path.includes('.') &&
    path.split('/').some((segment) => segment === '..' || segment === '.')
  ) {
    throw new LogicalError('bad_request', 400, 'invalid request path');
  }
  const query: Record<string, unknown> = {};
  if (q !== -1) {
    for (const [key, value] of new URLSearchParams(url.slice(q + 1))) {
      const existing = query[key];
      if (existing === undefined) query[key] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else query[key] = [existing, value];
    }
  }
  return { path, query };
}

/** Vault's verb mapping. `GET ?list=true` and `LIST` are the same operation. */
export function operationFor(
  method: string,
  query: Record<string, unknown>,
): Operation | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return query.list === 'true' || query.list === '1' ? 'list' : 'read';
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return undefined;
  }
}

/** The client token: `X-Vault-Token`, else `Authorization: Bearer`. */
export function tokenFrom(headers: IncomingMessage['headers']): string {
  const vault = headers['x-vault-token'];
  if (typeof vault === 'string' && vault !== '') return vault.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1] !== undefined) return match[1].trim();
  }
  return '';
}

const EMPTY = Buffer.alloc(0);

/** Reads the body up to `limit` bytes; a larger body is refused with 413 without reading it all. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  // Most reads carry no body at all: answer at once instead of waiting a turn for 'end'.
  if (
    req.headers['transfer-encoding'] === undefined &&
    (req.headers['content-length'] ?? '0') === '0'
  ) {
    req.resume();
    return Promise.resolve(EMPTY);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

function tooLarge(limit: number): LogicalError {
  return new LogicalError(
    'payload_too_large',
    413,
    `request body too large: the limit is ${limit} bytes`,
  );
}

/** Parses a JSON body into the request's data. An empty body is an empty object. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    // Never the parser's message: it quotes the body, which may hold a secret.
    throw new LogicalError('invalid_json', 400, 'failed to parse JSON input: malformed JSON');
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LogicalError(
      'invalid_json',
      400,
      'failed to parse JSON input: the body must be a JSON object',
    );
  }
  return parsed as Record<string, unknown>;
}

export function wrapTtlFrom(headers: IncomingMessage['headers']): number | undefined {
  const value = headers['x-vault-wrap-ttl'];
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return parseDuration(value);
  } catch {
    throw new LogicalError('bad_request', 400, 'invalid X-Vault-Wrap-TTL header');
  }
}

export function buildLogicalRequest(input: {
  id: string;
  operation: Operation;
  path: string;
  data: Record<string, unknown>;
  req: IncomingMessage;
  /** Where the core notes what the log line needs (the caller's accessor). */
  notes: RequestNotes;
  /** The memo of the connection the request came on. */
  connection?: ConnectionMemo | undefined;
}): LogicalRequest {
  const wrapTtlMs = wrapTtlFrom(input.req.headers);
  const contentType = input.req.headers['content-type'];
  return {
    id: input.id,
    operation: input.operation,
    path: input.path,
    data: input.data,
    clientToken: tokenFrom(input.req.headers),
    remoteAddress: input.req.socket.remoteAddress ?? '',
    ...(wrapTtlMs === undefined ? {} : { wrapTtlMs }),
    ...(contentType === undefined ? {} : { contentType }),
    notes: input.notes,
    ...(input.connection === undefined ? {} : { connection: input.connection }),
  };
}
