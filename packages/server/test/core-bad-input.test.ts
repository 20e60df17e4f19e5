/**
 * Bad input never harms the server: each malformed request gets a 4xx with a clear message in
 * `{"errors": [...]}`, the server keeps serving, and nothing stored changes (policies, mounts
 * and tokens are snapshotted before and after every case).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, callWithVerb } from './support/http.ts';
import type { CallOptions } from './support/http.ts';
import { initAndUnseal, startDev, startWithConfig, tempDir } from './support/start.ts';
import type { TestServer } from './support/start.ts';

/** Everything a bad request could have changed, as plain data. */
async function snapshot(t: { address: string; rootToken: string }): Promise<unknown> {
  const root = { token: t.rootToken };
  const policyNames = (await call(t.address, 'LIST', 'sys/policies/acl', root)).body.data
    .keys as string[];
  const policies: Record<string, unknown> = {};
  for (const name of policyNames) {
    policies[name] = (await call(t.address, 'GET', `sys/policies/acl/${name}`, root)).body.data;
  }
  const accessors = (await call(t.address, 'LIST', 'auth/token/accessors', root)).body.data
    .keys as string[];
  const tokens: Record<string, unknown> = {};
  for (const accessor of [...accessors].sort()) {
    const data = (
      await call(t.address, 'POST', 'auth/token/lookup-accessor', { ...root, body: { accessor } })
    ).body.data as Record<string, unknown>;
    // `ttl` counts down with the wall clock; everything else must be identical.
    const { ttl: _ttl, ...stable } = data;
    tokens[accessor] = stable;
  }
  return {
    policies,
    mounts: (await call(t.address, 'GET', 'sys/mounts', root)).body.data,
    auth: (await call(t.address, 'GET', 'sys/auth', root)).body.data,
    tokens,
    kv: (await call(t.address, 'GET', 'kv/app', root)).body.data,
  };
}

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly options?: CallOptions;
  readonly status: number;
  /** The first error string must match. */
  readonly message: RegExp;
}

const ROOT = 'root';

const CASES: readonly Case[] = [
  // Malformed JSON, and JSON that is not an object.
  {
    name: 'truncated JSON',
    method: 'PUT',
    path: 'sys/policies/acl/broken',
    options: { token: ROOT, body: '{"policy": "path \\"a\\" {' },
    status: 400,
    message: /failed to parse JSON input/,
  },
  {
    name: 'JSON array body',
    method: 'POST',
    path: 'auth/token/create',
    options: { token: ROOT, body: '[1, 2, 3]' },
    status: 400,
    message: /must be a JSON object/,
  },
  {
    name: 'JSON string body',
    method: 'PUT',
    path: 'kv/app',
    options: { token: ROOT, body: '"just a string"' },
    status: 400,
    message: /must be a JSON object/,
  },
  {
    name: 'not JSON at all',
    method: 'PUT',
    path: 'sys/mounts/garbage',
    options: { token: ROOT, body: 'type=kv&path=x' },
    status: 400,
    message: /failed to parse JSON input/,
  },
  // Wrong field types.
  {
    name: 'ttl as an object',
    method: 'POST',
    path: 'auth/token/create',
    options: { token: ROOT, body: { ttl: { hours: 1 } } },
    status: 400,
    message: /ttl/,
  },
  {
    name: 'num_uses as a word',
    method: 'POST',
    path: 'auth/token/create',
    options: { token: ROOT, body: { num_uses: 'many' } },
    status: 400,
    message: /num_uses/,
  },
  {
    name: 'policies as an object',
    method: 'POST',
    path: 'auth/token/create',
    options: { token: ROOT, body: { policies: { a: 1 } } },
    status: 400,
    message: /policies/,
  },
  {
    name: 'meta as a number',
    method: 'POST',
    path: 'auth/token/create',
    options: { token: ROOT, body: { meta: 42 } },
    status: 400,
    message: /meta/,
  },
  {
    name: 'mount config as a string',
    method: 'POST',
    path: 'sys/mounts/typed',
    options: { token: ROOT, body: { type: 'kv', config: 'big' } },
    status: 400,
    message: /config/,
  },
  {
    name: 'mount options with a nested object',
    method: 'POST',
    path: 'sys/mounts/typed',
    options: { token: ROOT, body: { type: 'kv', options: { version: { v: 2 } } } },
    status: 400,
    message: /version/,
  },
  {
    name: 'policy as a list',
    method: 'PUT',
    path: 'sys/policies/acl/listy',
    options: { token: ROOT, body: { policy: ['path "a" {}'] } },
    status: 400,
    message: /policy/,
  },
  {
    name: 'unseal reset as a word',
    method: 'PUT',
    path: 'sys/unseal',
    options: { body: { reset: 'perhaps' } },
    status: 400,
    message: /reset/,
  },
  {
    name: 'capabilities paths as a number',
    method: 'POST',
    path: 'sys/capabilities-self',
    options: { token: ROOT, body: { paths: 12 } },
    status: 400,
    message: /paths/,
  },
  // Invalid policies.
  {
    name: 'HCL syntax error',
    method: 'PUT',
    path: 'sys/policies/acl/bad-hcl',
    options: { token: ROOT, body: { policy: 'path "a/*" { capabilities = ["read"' } },
    status: 400,
    message: /./,
  },
  {
    name: 'unknown capability',
    method: 'PUT',
    path: 'sys/policies/acl/bad-cap',
    options: { token: ROOT, body: { policy: 'path "a/*" { capabilities = ["fly"] }' } },
    status: 400,
    message: /fly/,
  },
  {
    name: 'JSON policy of the wrong shape',
    method: 'PUT',
    path: 'sys/policy/bad-json',
    options: { token: ROOT, body: { policy: '{"path": "everything"}' } },
    status: 400,
    message: /./,
  },
  {
    name: 'empty policy',
    method: 'PUT',
    path: 'sys/policies/acl/empty',
    options: { token: ROOT, body: { policy: '   ' } },
    status: 400,
    message: /policy/,
  },
  // Invalid durations.
  {
    name: 'token ttl in fortnights',
    method: 'POST',
    path: 'auth/token/create',
    options: { token: ROOT, body: { ttl: '1 fortnight' } },
    status: 400,
    message: /ttl/,
  },
  {
    name: 'negative explicit_max_ttl',
    method: 'POST',
    path: 'auth/token/create',
    options: { token: ROOT, body: { explicit_max_ttl: '-1h' } },
    status: 400,
    message: /explicit_max_ttl/,
  },
  {
    name: 'renew increment garbage',
    method: 'POST',
    path: 'auth/token/renew-self',
    options: { token: ROOT, body: { increment: '5 minutes please' } },
    status: 400,
    message: /increment/,
  },
  {
    name: 'tune with a bad duration',
    method: 'POST',
    path: 'sys/mounts/kv/tune',
    options: { token: ROOT, body: { default_lease_ttl: 'forever' } },
    status: 400,
    message: /default_lease_ttl/,
  },
  {
    name: 'enable with a bad config duration',
    method: 'POST',
    path: 'sys/mounts/late',
    options: { token: ROOT, body: { type: 'kv', config: { max_lease_ttl: '3 days' } } },
    status: 400,
    message: /max_lease_ttl/,
  },
  {
    name: 'bad X-Vault-Wrap-TTL header',
    method: 'GET',
    path: 'kv/app',
    options: { token: ROOT, headers: { 'X-Vault-Wrap-TTL': 'later' } },
    status: 400,
    message: /Wrap-TTL/,
  },
  // Unknown paths and operations.
  {
    name: 'no such mount',
    method: 'GET',
    path: 'nowhere/at/all',
    options: { token: ROOT },
    status: 404,
    message: /nowhere/,
  },
  {
    name: 'no such sys path',
    method: 'GET',
    path: 'sys/does-not-exist',
    options: { token: ROOT },
    status: 404,
    message: /does-not-exist/,
  },
  {
    name: 'no such token path',
    method: 'POST',
    path: 'auth/token/explode',
    options: { token: ROOT, body: {} },
    status: 404,
    message: /explode/,
  },
  {
    name: 'an operation the path lacks',
    method: 'DELETE',
    path: 'sys/health',
    status: 405,
    message: /delete/,
  },
  {
    name: 'OPTIONS',
    method: 'OPTIONS',
    path: 'sys/health',
    status: 405,
    message: /OPTIONS/,
  },
  {
    name: 'invalid percent-encoding',
    method: 'GET',
    path: 'kv/%E0%A4%A',
    options: { token: ROOT },
    status: 400,
    message: /percent-encoding/,
  },
  {
    name: 'a health status code out of range',
    method: 'GET',
    path: 'sys/health',
    options: { query: { activecode: '9000' } },
    status: 400,
    message: /9000/,
  },
  {
    name: 'a mount with no type',
    method: 'POST',
    path: 'sys/mounts/typeless',
    options: { token: ROOT, body: { description: 'no type' } },
    status: 400,
    message: /type/,
  },
  {
    name: 'init when initialized',
    method: 'PUT',
    path: 'sys/init',
    options: { body: { secret_shares: 1, secret_threshold: 1 } },
    status: 400,
    message: /./,
  },
];

describe('bad input never harms the server', () => {
  let t: TestServer;
  let before: unknown;
  beforeAll(async () => {
    t = await startDev();
    await t.client.sys.enableMount('kv', { type: 'kv', description: 'bad input target' });
    await t.client.write('kv/app', { password: 'unchanged' });
    await t.client.sys.writePolicy('existing', 'path "kv/*" { capabilities = ["read"] }');
    await t.client.token.create({ policies: ['existing'], ttl: '1h', displayName: 'bystander' });
    before = await snapshot(t);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    // The server still serves, and nothing stored changed.
    expect((await call(t.address, 'GET', 'sys/health')).status).toBe(200);
    expect(await snapshot(t)).toEqual(before);
  });

  it.each(CASES)('$name -> $status', async (c) => {
    const reply = await call(t.address, c.method, c.path, c.options);
    expect(reply.status).toBe(c.status);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(Array.isArray(reply.body?.errors)).toBe(true);
    expect(reply.body.errors.length).toBeGreaterThan(0);
    expect(reply.body.errors[0]).toMatch(c.message);
  });

  it('a request outside /v1/ is a 404 with an errors body', async () => {
    const response = await fetch(`${t.address}/v2/sys/health`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ errors: [] });
  });

  it('a verb Node cannot parse (FROB) is a 405 with an errors body; LIST is served', async () => {
    const frob = await callWithVerb(t.address, 'FROB', 'kv/app', ROOT);
    expect(frob.status).toBe(405);
    expect(frob.body).toEqual({ errors: ['unsupported method FROB'] });
    const list = await callWithVerb(t.address, 'LIST', 'kv/', ROOT);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual({ keys: ['app'] });
  });

  it('a path with dot segments is refused', async () => {
    const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const url = new URL(t.address);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'GET',
          path: '/v1/kv/../sys/mounts',
          headers: { 'X-Vault-Token': ROOT },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toEqual({ errors: ['invalid request path'] });
  });

  it('a burst of garbage interleaved with real requests leaves every real one answered', async () => {
    const garbage = CASES.map((c) => call(t.address, c.method, c.path, c.options));
    const real = Array.from({ length: 20 }, () =>
      call(t.address, 'GET', 'kv/app', { token: ROOT }),
    );
    const [bad, good] = await Promise.all([Promise.all(garbage), Promise.all(real)]);
    expect(bad.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
    expect(good.every((r) => r.status === 200 && r.body.data.password === 'unchanged')).toBe(true);
  });
});

describe('oversized bodies (listener max_request_size)', () => {
  it('answers 413 for a declared or streamed body over the limit, and keeps serving', async () => {
    const dir = await tempDir('limit');
    const running = await startWithConfig({ dir: dir.path, maxRequestSize: 1024 });
    try {
      const { rootToken } = await initAndUnseal(running.client);
      const t = { address: running.address, rootToken };
      const before = await snapshot(t);

      const big = 'x'.repeat(4096);
      const declared = await call(running.address, 'PUT', 'sys/policies/acl/huge', {
        token: rootToken,
        body: { policy: `# ${big}\npath "a" { capabilities = ["read"] }` },
      });
      expect(declared.status).toBe(413);
      expect(declared.body).toEqual({
        errors: ['request body too large: the limit is 1024 bytes'],
      });

      // Chunked, without a Content-Length: counted while it streams.
      const streamed = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const url = new URL(running.address);
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            method: 'PUT',
            path: '/v1/sys/policies/acl/huge',
            headers: { 'X-Vault-Token': rootToken, 'Content-Type': 'application/json' },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.write('{"policy": "');
        for (let i = 0; i < 8; i++) req.write('y'.repeat(512));
        req.end('"}');
      });
      expect(streamed.status).toBe(413);
      expect(JSON.parse(streamed.text)).toEqual({
        errors: ['request body too large: the limit is 1024 bytes'],
      });

      // Under the limit works; nothing from the refused requests was stored.
      const small = await call(running.address, 'PUT', 'sys/policies/acl/small', {
        token: rootToken,
        body: { policy: 'path "a" { capabilities = ["read"] }' },
      });
      expect(small.status).toBe(204);
      await call(running.address, 'DELETE', 'sys/policies/acl/small', { token: rootToken });
      expect(await snapshot(t)).toEqual(before);
      expect((await call(running.address, 'GET', 'sys/health')).status).toBe(200);
    } finally {
      await running.close();
      await dir.remove();
    }
  });
});
