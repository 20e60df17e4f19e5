import { describe, expect, it } from 'vitest';
import { ManualClock } from '@strongroom/protocol';
import { pino } from 'pino';
import type { RequestContext } from '../logical/backend.ts';
import { LogicalError } from '../logical/errors.ts';
import type { Operation } from '../logical/request.ts';
import { defineBackend } from './backend.ts';
import { definePath } from './path.ts';
import { defineSecret } from './secret.ts';
import { testMount } from '../test-support.ts';

function context(
  operation: Operation,
  path: string,
  data: Record<string, unknown> = {},
): RequestContext {
  return {
    signal: new AbortController().signal,
    clock: new ManualClock(0),
    logger: pino({ level: 'silent' }),
    storage: {
      get: () => Promise.resolve(undefined),
      put: () => Promise.resolve(),
      delete: () => Promise.resolve(),
      list: () => Promise.resolve([]),
    },
    mount: testMount({
      kind: 'secret',
      path: 'test/',
      type: 'test',
      accessor: 'test_1',
      uuid: 'u',
    }),
    request: { id: 'r', operation, path, data, clientToken: '', remoteAddress: '' },
    ttl: { defaultTtlMs: 1000, maxTtlMs: 2000 },
  };
}

const existing = new Set(['present']);
const creds = defineSecret({
  type: 'creds',
  renew: (ctx) => Promise.resolve({ ttlMs: ctx.secret.incrementMs || 1000 }),
  revoke: () => Promise.resolve(),
});

const backend = defineBackend({
  type: 'test',
  secrets: [creds],
  paths: [
    definePath({
      pattern: 'roles/?',
      fields: {},
      operations: { list: () => Promise.resolve({ data: { keys: [...existing] } }) },
      help: 'lists roles',
    }),
    definePath({
      pattern: 'roles/(?<name>[^/]+)',
      fields: {
        name: { type: 'string', description: 'role name', required: true },
        ttl: { type: 'duration', description: 'ttl', default: 60 },
      },
      existenceCheck: ({ fields }) => Promise.resolve(existing.has(fields.name)),
      operations: {
        read: ({ fields }) => {
          // Typed input: `fields.ttl` is a number, `fields.name` a string.
          const ttl: number = fields.ttl;
          return Promise.resolve({ data: { name: fields.name, ttl } });
        },
        update: ({ fields, provided }) =>
          Promise.resolve({ data: { op: 'update', name: fields.name, provided: [...provided] } }),
        create: ({ fields }) => Promise.resolve({ data: { op: 'create', name: fields.name } }),
      },
      help: 'manages a role',
    }),
    definePath({
      pattern: 'creds/(?<name>[^/]+)',
      fields: { name: { type: 'string', description: 'role', required: true } },
      operations: {
        read: ({ fields }) =>
          Promise.resolve(
            creds.response(
              { username: fields.name },
              { internal: { user: fields.name }, ttlMs: 0, maxTtlMs: 0 },
            ),
          ),
      },
      help: 'issues credentials',
    }),
  ],
});

describe('defineBackend / definePath', () => {
  it('routes by pattern with named captures as typed fields', async () => {
    const response = await backend.handleRequest(context('read', 'roles/web'));
    expect(response?.data).toEqual({ name: 'web', ttl: 60_000 });
  });

  it('answers the existence check from the path declaration', async () => {
    expect(await backend.existenceCheck(context('update', 'roles/present'))).toEqual({
      checked: true,
      exists: true,
    });
    expect(await backend.existenceCheck(context('update', 'roles/absent'))).toEqual({
      checked: true,
      exists: false,
    });
    expect(await backend.existenceCheck(context('update', 'creds/x'))).toEqual({
      checked: false,
      exists: false,
    });
  });

  it('dispatches create and update separately and reports provided fields', async () => {
    expect((await backend.handleRequest(context('create', 'roles/a')))?.data).toEqual({
      op: 'create',
      name: 'a',
    });
    expect(
      (await backend.handleRequest(context('update', 'roles/a', { ttl: '5m' })))?.data,
    ).toEqual({
      op: 'update',
      name: 'a',
      provided: ['name', 'ttl'],
    });
  });

  it('warns about unknown fields on writes, as Vault does', async () => {
    const response = await backend.handleRequest(context('update', 'roles/a', { bogus: 1 }));
    expect(response?.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [bogus]']);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    await expect(
      backend.handleRequest(context('update', 'roles/a', { ttl: 'soon' })),
    ).rejects.toMatchObject({
      status: 400,
      code: 'invalid_field',
    });
  });

  it('answers 404 for unknown paths and 405 for unsupported operations', async () => {
    await expect(backend.handleRequest(context('read', 'nope'))).rejects.toMatchObject({
      status: 404,
    });
    await expect(backend.handleRequest(context('delete', 'roles/a'))).rejects.toMatchObject({
      status: 405,
    });
  });

  it('returns leased secrets through the secret type and routes renew and revoke back to it', async () => {
    const issued = await backend.handleRequest(context('read', 'creds/ro'));
    expect(issued?.secret).toMatchObject({
      type: 'creds',
      internal: { user: 'ro' },
      renewable: true,
    });
    const secret = {
      leaseId: 'test/creds/ro/1',
      type: 'creds',
      internal: { user: 'ro' },
      issueTime: 0,
      expireTime: 1000,
      ttlMs: 1000,
      incrementMs: 500,
    };
    const renewCtx = context('renew', 'creds/ro');
    const renewed = await backend.handleRequest({
      ...renewCtx,
      request: { ...renewCtx.request, secret },
    });
    expect(renewed?.secret?.ttlMs).toBe(500);
    const revokeCtx = context('revoke', 'creds/ro');
    await expect(
      backend.handleRequest({ ...revokeCtx, request: { ...revokeCtx.request, secret } }),
    ).resolves.toBeUndefined();
    await expect(backend.handleRequest(context('revoke', 'creds/ro'))).rejects.toBeInstanceOf(
      LogicalError,
    );
  });

  it('lists', async () => {
    expect((await backend.handleRequest(context('list', 'roles/')))?.data).toEqual({
      keys: ['present'],
    });
  });
});
