/**
 * Engine-test helpers for the auth methods: a backend on memory storage with a manual clock,
 * driven through `backend.handleRequest` (and its existence check) as the router drives it.
 * Not part of the public surface.
 */
import { ManualClock } from '@strongroom/protocol';
import type {
  Backend,
  BackendFactory,
  MountInfo,
  RequestContext,
  TtlBounds,
} from '../logical/backend.ts';
import type { LogicalRequest, Operation } from '../logical/request.ts';
import type { LogicalResponse } from '../logical/response.ts';
import { StorageView } from '../logical/storage.ts';
import { MemoryStorage } from '../storage/memory.ts';
import { captureLogger, testMount } from '../test-support.ts';
import type { CapturedLogger } from '../test-support.ts';

export const HOUR_MS = 3_600_000;
export const TEST_BOUNDS: TtlBounds = { defaultTtlMs: 768 * HOUR_MS, maxTtlMs: 768 * HOUR_MS };

export interface AuthHarness {
  readonly backend: Backend;
  readonly clock: ManualClock;
  readonly physical: MemoryStorage;
  readonly storage: StorageView;
  readonly mount: MountInfo;
  readonly log: CapturedLogger;
  /** One request as the router would send it (root caller unless `unauthenticated`). */
  call(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    options?: { remoteAddress?: string },
  ): Promise<LogicalResponse | undefined>;
}

export async function authHarness(
  factory: BackendFactory,
  type: string,
  options: { clock?: ManualClock } = {},
): Promise<AuthHarness> {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
  const physical = new MemoryStorage();
  const storage = new StorageView(physical, 'auth/uuid-1/');
  const log = captureLogger();
  const mount = testMount({
    kind: 'auth',
    path: `auth/${type}/`,
    type,
    accessor: `auth_${type}_0001`,
    uuid: 'uuid-1',
  });
  const setup = { clock, logger: log.logger, storage, mount };
  const backend = await factory(setup);
  await backend.initialize?.(setup);
  let counter = 0;
  const call: AuthHarness['call'] = async (operation, path, data = {}, callOptions = {}) => {
    const request: LogicalRequest = {
      id: `req-${++counter}`,
      operation,
      path,
      data,
      clientToken: '',
      remoteAddress: callOptions.remoteAddress ?? '127.0.0.1',
      mountPoint: mount.path,
      mountType: type,
      mountAccessor: mount.accessor,
    };
    let ctx: RequestContext = {
      signal: new AbortController().signal,
      clock,
      logger: log.logger,
      storage,
      mount,
      request,
      ttl: TEST_BOUNDS,
    };
    if (operation === 'update' || operation === 'create') {
      const existence = await backend.existenceCheck(ctx);
      if (existence.checked) {
        ctx = {
          ...ctx,
          request: { ...request, operation: existence.exists ? 'update' : 'create' },
        };
      }
    }
    return backend.handleRequest(ctx);
  };
  return { backend, clock, physical, storage, mount, log, call };
}
