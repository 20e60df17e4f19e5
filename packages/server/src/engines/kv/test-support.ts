/**
 * Test support for the KV engine tests: a mounted engine on memory storage with a manual clock,
 * driven through `backend.handleRequest` and `existenceCheck` as the router drives it.
 */
import { ManualClock } from '@strongroom/protocol';
import { pino } from 'pino';
import type { Backend, MountInfo, RequestContext, TtlBounds } from '../../logical/backend.ts';
import type { LogicalError } from '../../logical/errors.ts';
import type { Operation } from '../../logical/request.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import { StorageView } from '../../logical/storage.ts';
import { MemoryStorage } from '../../storage/memory.ts';
import { logicalFailure, requestContext, testMount } from '../../test-support.ts';
import { kvBackendFactory } from './backend.ts';

export const START_MS = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

/** The server's default TTL bounds (768 hours), which a mount without its own gets. */
const KV_TTL: TtlBounds = { defaultTtlMs: 2_764_800_000, maxTtlMs: 2_764_800_000 };

export interface KvHarness {
  readonly backend: Backend;
  readonly clock: ManualClock;
  readonly storage: StorageView;
  readonly mount: MountInfo;
  context(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    extra?: { contentType?: string },
  ): RequestContext;
  /** Sends a request; `update` is resolved to `create` by the existence check, as the router does. */
  send(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    extra?: { contentType?: string },
  ): Promise<LogicalResponse | undefined>;
  /** Sends a request that must fail, and returns the error. */
  fail(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    extra?: { contentType?: string },
  ): Promise<LogicalError>;
  /** The operation the ACL would see for a write to `path`. */
  writeOperation(path: string): Promise<Operation>;
}

export async function kvHarness(
  options: { version?: string; type?: string; mountPath?: string } = {},
): Promise<KvHarness> {
  const clock = new ManualClock(START_MS);
  const storage = new StorageView(new MemoryStorage(), 'logical/kv-test/');
  const mount = testMount({
    kind: 'secret',
    path: options.mountPath ?? 'secret/',
    type: options.type ?? 'kv',
    accessor: 'kv_test',
    uuid: 'kv-test',
    options: options.version === undefined ? {} : { version: options.version },
  });
  const logger = pino({ level: 'silent' });
  const backend = await kvBackendFactory({ clock, logger, storage, mount });
  const deps = { clock, logger, storage, mount, ttl: KV_TTL };
  const context: KvHarness['context'] = (operation, path, data = {}, extra = {}) =>
    requestContext(deps, {
      operation,
      path,
      data,
      ...(extra.contentType === undefined ? {} : { contentType: extra.contentType }),
    });
  const writeOperation = async (path: string): Promise<Operation> => {
    const existence = await backend.existenceCheck(context('update', path));
    return existence.checked && !existence.exists ? 'create' : 'update';
  };
  const send: KvHarness['send'] = async (operation, path, data = {}, extra = {}) => {
    const resolved = operation === 'update' ? await writeOperation(path) : operation;
    return backend.handleRequest(context(resolved, path, data, extra));
  };
  const fail: KvHarness['fail'] = (operation, path, data = {}, extra = {}) =>
    logicalFailure(send(operation, path, data, extra), `${operation} ${path}`);
  return { backend, clock, storage, mount, context, send, fail, writeOperation };
}
