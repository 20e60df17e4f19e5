/**
 * Test support for the database engine's tests: the backend mounted at `database/` on memory
 * storage with a manual clock and a logger that records what it would print, driven through
 * `handleRequest` and `existenceCheck` as the router drives it, by a root token.
 */
import { ManualClock } from '@strongroom/protocol';
import type { Backend, RequestContext } from '../../logical/backend.ts';
import type { LogicalError } from '../../logical/errors.ts';
import type { Operation, RequestAuth, RequestSecret } from '../../logical/request.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import { StorageView } from '../../logical/storage.ts';
import { MemoryStorage } from '../../storage/memory.ts';
import { captureLogger, logicalFailure, requestContext, testMount } from '../../test-support.ts';
import type { CapturedLogger } from '../../test-support.ts';
import { createDatabaseBackend } from './backend.ts';
import type { DatabaseBackendOptions } from './backend.ts';

/** The caller of every request: a root token. */
const ROOT_AUTH: RequestAuth = {
  accessor: 'a',
  tokenHash: 'h',
  policies: ['root'],
  displayName: 'token-app.example',
  metadata: {},
  entityId: '',
  root: true,
  numUses: 0,
};

export interface DatabaseHarness {
  readonly backend: Backend;
  readonly clock: ManualClock;
  readonly captured: CapturedLogger;
  /** Sends a request (with `secret` for renew and revoke). */
  readonly request: (
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    secret?: RequestSecret,
  ) => Promise<LogicalResponse | undefined>;
  /** Sends a request that must fail, and returns the error. */
  readonly fail: (
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
  ) => Promise<LogicalError>;
  /** What the existence check says of a write to `path`. */
  readonly exists: (path: string) => Promise<boolean>;
}

/** A database backend, initialized (its static-rotation timers run on the manual clock). */
export async function databaseHarness(
  options: DatabaseBackendOptions & { readonly startMs?: number } = {},
): Promise<DatabaseHarness> {
  const clock = new ManualClock(options.startMs ?? Date.now());
  const captured = captureLogger();
  const storage = new StorageView(new MemoryStorage(), 'logical/db/');
  const mount = testMount({
    kind: 'secret',
    path: 'database/',
    type: 'database',
    accessor: 'database_1',
    uuid: 'u',
  });
  const setup = { clock, logger: captured.logger, storage, mount };
  const backend = createDatabaseBackend(setup, options);
  await backend.initialize?.(setup);

  const context = (
    operation: Operation,
    path: string,
    data: Record<string, unknown>,
    secret: RequestSecret | undefined,
  ): RequestContext =>
    requestContext(setup, {
      operation,
      path,
      data,
      auth: ROOT_AUTH,
      ...(secret === undefined ? {} : { secret }),
    });

  const request: DatabaseHarness['request'] = (operation, path, data = {}, secret) =>
    backend.handleRequest(context(operation, path, data, secret));

  return {
    backend,
    clock,
    captured,
    request,
    fail: (operation, path, data = {}) =>
      logicalFailure(request(operation, path, data), `${operation} ${path}`),
    exists: async (path) =>
      (await backend.existenceCheck(context('update', path, {}, undefined))).exists,
  };
}
