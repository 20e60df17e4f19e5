/**
 * A token store wired to a real expiration manager over in-memory storage, as the core wires
 * them, for this folder's tests. Not part of the public surface.
 */
import { ManualClock } from '@strongroom/protocol';
import type { MountInfo, RequestContext, TtlBounds } from '../../logical/backend.ts';
import type { LogicalRequest, Operation, RequestAuth } from '../../logical/request.ts';
import type { AuthResult } from '../../logical/response.ts';
import { StorageView } from '../../logical/storage.ts';
import { CachedStorage } from '../../storage/cache.ts';
import { captureLogger, memoryStorage, testMount } from '../../test-support.ts';
import { ExpirationManager } from '../expiration/index.ts';
import type { LeaseEntry } from '../expiration/index.ts';
import { TokenStore } from './token-store.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const BOUNDS: TtlBounds = { defaultTtlMs: HOUR, maxTtlMs: 24 * HOUR };

/** A login result: no policies, TTLs or use limit, renewable, named `token`, unless overridden. */
export function authResult(overrides: Partial<AuthResult> = {}): AuthResult {
  return {
    policies: [],
    metadata: {},
    displayName: 'token',
    ttlMs: 0,
    maxTtlMs: 0,
    periodMs: 0,
    renewable: true,
    numUses: 0,
    ...overrides,
  };
}

/** `cached`: behind the storage cache, as the core wires the store (see `peekParsed`). */
export async function tokenFixture(options: { readonly cached?: boolean } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const physical = options.cached === true ? new CountingCache(memoryStorage()) : memoryStorage();
  const log = captureLogger();
  const revokedSecrets: string[] = [];
  // eslint-disable-next-line prefer-const -- assigned after the manager that calls back into it
  let store: TokenStore | undefined;
  const expiration = new ExpirationManager({
    storage: new StorageView(physical, 'sys/expire/'),
    clock,
    logger: log.logger,
    revoke: async (lease: LeaseEntry) => {
      if (lease.kind === 'auth') {
        await store?.revokeLease(lease);
        return;
      }
      revokedSecrets.push(lease.leaseId);
    },
    renew: (_lease, incrementMs) => Promise.resolve({ ttlMs: incrementMs }),
  });
  store = new TokenStore({
    storage: new StorageView(physical, 'sys/token/'),
    expiration,
    clock,
    logger: log.logger,
  });
  await expiration.start();
  const root = await store.createRoot();
  return { clock, physical, log, expiration, store, root, revokedSecrets };
}

/** The core's storage cache, counting the reads that had to wait for it. */
export class CountingCache extends CachedStorage {
  waitedReads = 0;
  override getParsed(key: string): Promise<unknown> {
    this.waitedReads++;
    return super.getParsed(key);
  }
}

export const TOKEN_MOUNT: MountInfo = testMount({
  kind: 'auth',
  path: 'auth/token/',
  type: 'token',
  accessor: 'auth_token_0001',
  uuid: '00000000-0000-0000-0000-000000000000',
  description: 'token based credentials',
});

export function requestContext(
  fixture: Awaited<ReturnType<typeof tokenFixture>>,
  input: {
    operation: Operation;
    path: string;
    data?: Record<string, unknown>;
    clientToken: string;
    auth: RequestAuth | undefined;
  },
): RequestContext {
  const request: LogicalRequest = {
    id: 'req-1',
    operation: input.operation,
    path: input.path,
    data: input.data ?? {},
    clientToken: input.clientToken,
    remoteAddress: '127.0.0.1',
    mountPoint: TOKEN_MOUNT.path,
    mountType: 'token',
    ...(input.auth === undefined ? {} : { auth: input.auth }),
  };
  return {
    signal: new AbortController().signal,
    clock: fixture.clock,
    logger: fixture.log.logger,
    storage: new StorageView(fixture.physical, 'auth/token-mount/'),
    mount: TOKEN_MOUNT,
    request,
    ttl: BOUNDS,
  };
}
