import { describe, expect, it } from 'vitest';
import { ClockCache } from '../framework/clock-cache.ts';
import type { LogicalRequest, RequestAuth } from '../logical/request.ts';
import { formatRequestRecord, formatResponseRecord, sharedBlocks } from './format.ts';
import type { CallerBlock, FormatOptions } from './format.ts';
import { hasherFor } from './hmac.ts';

const options: FormatOptions = {
  hash: hasherFor('5a'.repeat(32)),
  memo: new WeakMap(),
  hmacAccessor: true,
  elideListResponses: false,
  time: '2026-12-04T10:00:00.000Z',
};

const auth: RequestAuth = {
  accessor: 'accessor-of-the-reader',
  tokenHash: 'f'.repeat(64),
  policies: ['reader'],
  displayName: 'token',
  metadata: {},
  entityId: '',
  root: false,
  numUses: 0,
};

function request(overrides: Partial<LogicalRequest>): LogicalRequest {
  return {
    id: 'c0ffee00-0000-4000-8000-000000000001',
    operation: 'read',
    path: 'secret/data/app',
    data: {},
    clientToken: 'hvs.reader-token',
    remoteAddress: '127.0.0.1',
    auth,
    mountPoint: 'secret/',
    mountType: 'kv',
    mountAccessor: 'kv_1234',
    ...overrides,
  };
}

/** Both records of `req`, formatted with `callers` (a device's cache) or with none. */
function records(req: LogicalRequest, callers?: ClockCache<string, CallerBlock>): string[] {
  const shared = sharedBlocks(req, auth, options, callers);
  const entry = {
    request: req,
    auth,
    response: { data: { value: 'a secret value' } },
  };
  return [
    formatRequestRecord(entry, shared, options),
    formatResponseRecord(entry, shared, options),
  ];
}

describe('audit records of a busy caller', () => {
  it('are the records a first request would get, whatever changes between its requests', () => {
    const callers = new ClockCache<string, CallerBlock>({ maxEntries: 8 });
    const sequence: Partial<LogicalRequest>[] = [
      {},
      { id: 'c0ffee00-0000-4000-8000-000000000002' },
      { id: 'c0ffee00-0000-4000-8000-000000000003', path: 'secret/data/other' },
      { path: 'secret/metadata/app', operation: 'list' },
      { remoteAddress: '10.0.0.7' },
      { mountPoint: 'kv1/', mountAccessor: 'kv_5678', path: 'kv1/app' },
      { data: { version: '2' } },
      {},
      { wrapTtlMs: 60_000 },
      { id: '' },
      { path: 'secret/data/"quoted"\n' },
      {},
    ];
    for (const overrides of sequence) {
      const req = request(overrides);
      const busy = records(req, callers);
      expect(busy).toEqual(records(req));
      for (const line of busy) expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
  });

  it('carry each request its own ID', () => {
    const callers = new ClockCache<string, CallerBlock>({ maxEntries: 8 });
    const ids = ['c0ffee00-0000-4000-8000-00000000000a', 'c0ffee00-0000-4000-8000-00000000000b'];
    for (const id of ids) {
      const [line] = records(request({ id }), callers);
      const parsed = JSON.parse(line ?? '') as { request: { id: string } };
      expect(parsed.request.id).toBe(id);
    }
  });
});
