/**
 * Fixtures shared by the server's unit tests across folders: a logger that records what it would
 * print (so tests can assert that nothing secret is logged), an in-memory storage, a request
 * context as the router hands one to a backend, and checks for the errors a request or a parse
 * must fail with. Not part of the public surface.
 */
import { expect } from 'vitest';
import type { Clock } from '@strongroom/protocol';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { MountInfo, RequestContext, TtlBounds } from './logical/backend.ts';
import { LogicalError } from './logical/errors.ts';
import type { LogicalRequest } from './logical/request.ts';
import type { Storage } from './logical/storage.ts';
import { MemoryStorage } from './storage/memory.ts';

export interface CapturedLogger {
  readonly logger: Logger;
  /** Every line written, as parsed JSON objects. */
  readonly lines: Record<string, unknown>[];
  /** Every line written, raw. */
  readonly text: () => string;
}

export function captureLogger(): CapturedLogger {
  const raw: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string): void {
        raw.push(line);
      },
    },
  );
  return {
    logger,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
}

/** A fresh in-memory storage (the project's own MemoryStorage). */
export function memoryStorage(): MemoryStorage {
  return new MemoryStorage();
}

/**
 * A mount table entry for a backend under test: what names it is given, with no description,
 * no TTL overrides and no options unless `mount` says otherwise.
 */
export function testMount(
  mount: Pick<MountInfo, 'kind' | 'path' | 'type' | 'accessor' | 'uuid'> & Partial<MountInfo>,
): MountInfo {
  return {
    description: '',
    config: { defaultLeaseTtlMs: 0, maxLeaseTtlMs: 0 },
    options: {},
    local: false,
    sealWrap: false,
    ...mount,
  };
}

/** What a backend's request contexts share from one request to the next. */
export interface ContextDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly mount: MountInfo;
  /** An hour by default, a day at most, unless given. */
  readonly ttl?: TtlBounds;
}

/**
 * A request context as the router hands one to a backend: request `r` from 127.0.0.1 with no
 * data and no client token, unless `request` says otherwise.
 */
export function requestContext(
  deps: ContextDeps,
  request: Pick<LogicalRequest, 'operation' | 'path'> & Partial<LogicalRequest>,
): RequestContext {
  return {
    signal: new AbortController().signal,
    clock: deps.clock,
    logger: deps.logger,
    storage: deps.storage,
    mount: deps.mount,
    request: { id: 'r', data: {}, clientToken: '', remoteAddress: '127.0.0.1', ...request },
    ttl: deps.ttl ?? { defaultTtlMs: 3_600_000, maxTtlMs: 86_400_000 },
  };
}

/**
 * The LogicalError `promise` rejects with. Anything else it rejects with is rethrown, and
 * resolving fails the test (naming `what` was expected to fail).
 */
export async function logicalFailure(
  promise: Promise<unknown>,
  what = 'the request',
): Promise<LogicalError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LogicalError) return error;
    throw error;
  }
  throw new Error(`expected ${what} to fail`);
}

/** Expects `parsing` to fail with an invalid_policy 400 whose one-line message matches `pattern`. */
export async function expectInvalidPolicy(
  parsing: Promise<unknown>,
  pattern: RegExp,
): Promise<void> {
  const error = await logicalFailure(parsing, 'parsing the policy');
  expect(error.code).toBe('invalid_policy');
  expect(error.status).toBe(400);
  expect(error.message).not.toContain('\n');
  expect(error.message).toMatch(pattern);
}
