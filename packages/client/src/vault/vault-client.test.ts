import { describe, expect, it } from 'vitest';
import {
  PermissionDeniedError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  SecretNotFoundError,
  classifyError,
} from '../errors.ts';
import { VaultApiError } from './errors.ts';
import { VaultClient } from './vault-client.ts';
import type { FetchFunction } from './vault-client.ts';
import { VaultProvider } from './vault-provider.ts';

interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

type Route = (call: Call) => Response | Promise<Response>;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** A fake transport: routes `METHOD path` (path without /v1/) to canned responses. */
function fakeFetch(routes: Record<string, Route>): { fetch: FetchFunction; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchFunction = async (url, init) => {
    const call: Call = {
      method: init.method ?? 'GET',
      url,
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? init.body : undefined,
    };
    calls.push(call);
    const key = `${call.method} ${decodeURIComponent(url.pathname.replace(/^\/v1\//, ''))}`;
    const route = routes[key];
    if (route === undefined) return json(404, { errors: [`no route ${key}`] });
    return route(call);
  };
  return { fetch, calls };
}

const envelope = (data: unknown, extra: Record<string, unknown> = {}) => ({
  request_id: 'r',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data,
  wrap_info: null,
  warnings: null,
  auth: null,
  mount_type: 'kv',
  ...extra,
});

describe('VaultClient transport', () => {
  it('sends the token and the request header, JSON bodies, and parses envelopes', async () => {
    const { fetch, calls } = fakeFetch({
      'PUT sys/policies/acl/p': () => new Response(null, { status: 204 }),
      'GET sys/mounts': () => json(200, envelope({ 'secret/': { type: 'kv' } })),
    });
    const client = new VaultClient({ address: 'http://vault:8200/', token: 't0k', fetch });
    await expect(client.sys.writePolicy('p', 'path "x" {}')).resolves.toBeUndefined();
    await expect(client.sys.mounts()).resolves.toHaveProperty(['secret/', 'type'], 'kv');
    expect(calls[0]?.url.href).toBe('http://vault:8200/v1/sys/policies/acl/p');
    expect(calls[0]?.headers).toMatchObject({
      'X-Vault-Token': 't0k',
      'X-Vault-Request': 'true',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ policy: 'path "x" {}' });
  });

  it('sends no token header without a token, and the namespace when set', async () => {
    const { fetch, calls } = fakeFetch({
      'GET sys/seal-status': () => json(200, { sealed: false }),
    });
    const client = new VaultClient({ address: 'http://v', fetch, namespace: 'ns1' });
    await client.sys.sealStatus();
    expect(calls[0]?.headers['X-Vault-Token']).toBeUndefined();
    expect(calls[0]?.headers['X-Vault-Namespace']).toBe('ns1');
  });

  it('maps error statuses to VaultApiError without bodies or tokens in the message', async () => {
    const { fetch } = fakeFetch({
      'PUT secret/data/x': () => json(403, { errors: ['permission denied'] }),
      'GET sys/boom': () => new Response('oops', { status: 500, statusText: '' }),
    });
    const client = new VaultClient({ address: 'http://v', token: 'sekrit-token', fetch });
    const error = await client
      .write('secret/data/x', { password: 'hunter2' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultApiError);
    const apiError = error as VaultApiError;
    expect(apiError.message).toBe('PUT secret/data/x: 403 permission denied');
    expect(apiError.status).toBe(403);
    expect(apiError.errors).toEqual(['permission denied']);
    expect(classifyError(apiError)).toBe('permanent');
    expect(JSON.stringify(apiError) + String(apiError.stack)).not.toMatch(/hunter2|sekrit/);

    const server = await client.read('sys/boom').catch((e: unknown) => e);
    expect((server as VaultApiError).message).toBe('GET sys/boom: 500 Internal Server Error');
    expect(classifyError(server)).toBe('transient');
  });

  it('reads: 404 without errors is undefined, 404 with data is returned, 404 with errors throws', async () => {
    const { fetch } = fakeFetch({
      'GET kv/missing': () => json(404, { errors: [] }),
      'GET secret/data/deleted': () =>
        json(404, envelope({ data: null, metadata: { version: 2, deletion_time: 'now' } })),
    });
    const client = new VaultClient({ address: 'http://v', fetch });
    await expect(client.read('kv/missing')).resolves.toBeUndefined();
    const deleted = await client.read('secret/data/deleted');
    expect(deleted?.data).toEqual({ data: null, metadata: { version: 2, deletion_time: 'now' } });
    await expect(client.read('nowhere')).rejects.toThrow('GET nowhere: 404 no route GET nowhere');
  });

  it('lists with the LIST verb by default, or GET ?list=true; 404 is an empty list', async () => {
    const { fetch, calls } = fakeFetch({
      'LIST kv/': () => json(200, envelope({ keys: ['a', 'b/'] })),
      'LIST empty/': () => json(404, { errors: [] }),
      'GET kv/': () => json(200, envelope({ keys: ['c'] })),
    });
    const client = new VaultClient({ address: 'http://v', fetch });
    await expect(client.list('kv/')).resolves.toEqual(['a', 'b/']);
    await expect(client.list('empty/')).resolves.toEqual([]);
    const viaGet = new VaultClient({ address: 'http://v', fetch, listVerb: 'GET' });
    await expect(viaGet.list('kv/')).resolves.toEqual(['c']);
    expect(calls[2]?.url.search).toBe('?list=true');
    expect(calls.map((c) => c.method)).toEqual(['LIST', 'LIST', 'GET']);
  });

  it('patches with the merge-patch content type', async () => {
    const { fetch, calls } = fakeFetch({
      'PATCH secret/data/x': () => json(200, envelope({ version: 2 })),
    });
    await new VaultClient({ address: 'http://v', fetch }).patch('secret/data/x', {
      data: { a: 1 },
    });
    expect(calls[0]?.headers['Content-Type']).toBe('application/merge-patch+json');
  });

  it('maps connection failures to ProviderUnavailableError, keeping only the cause code', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const fetch: FetchFunction = () => Promise.reject(new TypeError('fetch failed', { cause }));
    const client = new VaultClient({ address: 'http://127.0.0.1:1', fetch });
    const error = await client.read('secret/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toBe(
      'GET secret/x: cannot reach http://127.0.0.1:1 (ECONNREFUSED)',
    );
    expect((error as Error).cause).toMatchObject({ name: 'TypeError', code: 'ECONNREFUSED' });
    expect(classifyError(error)).toBe('transient');
  });

  it('never lets fetch quote the token through the cause', async () => {
    const fetch: FetchFunction = () =>
      Promise.reject(
        new TypeError('Headers.append: "hvs.SECRET-TOKEN\nx" is an invalid header value'),
      );
    const client = new VaultClient({
      address: 'http://127.0.0.1:1',
      token: 'hvs.SECRET-TOKEN\nx',
      fetch,
    });
    const error = await client.read('secret/x').catch((e: unknown) => e);
    const printed = [
      String(error),
      JSON.stringify(error),
      String((error as Error).cause),
      (error as Error).stack,
    ].join(' ');
    expect(printed).not.toContain('SECRET-TOKEN');
  });

  it('refuses an address with credentials without echoing it', () => {
    expect(() => new VaultClient({ address: 'https://user:pa55word@vault.example' })).toThrow(
      /no credentials/,
    );
    try {
      new VaultClient({ address: 'https://user:pa55word@vault.example' });
    } catch (error) {
      expect((error as Error).message).not.toContain('pa55word');
    }
  });

  it('maps its own timeout to ProviderTimeoutError, and rethrows a caller abort as is', async () => {
    const hang: FetchFunction = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
      });
    const client = new VaultClient({ address: 'http://v', fetch: hang, timeoutMs: 20 });
    await expect(client.read('secret/x')).rejects.toBeInstanceOf(ProviderTimeoutError);

    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const slow = new VaultClient({ address: 'http://v', fetch: hang, timeoutMs: 10_000 });
    const pending = slow.read('secret/x', { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('refuses non-JSON success bodies without quoting them', async () => {
    const { fetch } = fakeFetch({
      'GET x': () => new Response('password=hunter2', { status: 200 }),
    });
    const error = await new VaultClient({ address: 'http://v', fetch })
      .read('x')
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('GET x: 200 response is not JSON');
  });

  it('health resolves for sealed and standby states', async () => {
    const { fetch } = fakeFetch({
      'GET sys/health': () => json(503, { initialized: true, sealed: true, standby: true }),
    });
    await expect(
      new VaultClient({ address: 'http://v', fetch }).sys.health(),
    ).resolves.toMatchObject({
      sealed: true,
    });
  });

  it('keeps tokens out of URLs for lookup, renew and revoke', async () => {
    const ok = () => json(200, envelope({ id: 'x' }));
    const { fetch, calls } = fakeFetch({
      'POST auth/token/lookup': ok,
      'PUT auth/token/lookup': ok,
      'PUT auth/token/renew': ok,
      'POST auth/token/revoke': () => new Response(null, { status: 204 }),
    });
    const client = new VaultClient({ address: 'http://v', token: 'root', fetch });
    await client.token.lookup('child-token');
    await client.token.renew('child-token', '1h');
    await client.token.revoke('child-token');
    for (const call of calls) expect(call.url.href).not.toContain('child-token');
  });
});

describe('KV helpers', () => {
  const mounts = {
    'GET sys/internal/ui/mounts/secret/app': () =>
      json(200, envelope({ path: 'secret/', type: 'kv', options: { version: '2' } })),
    'GET sys/internal/ui/mounts/kv/app': () =>
      json(200, envelope({ path: 'kv/', type: 'kv', options: null })),
    'GET sys/internal/ui/mounts/secret/': () =>
      json(200, envelope({ path: 'secret/', type: 'kv', options: { version: '2' } })),
  };

  it('reads v2 through data/ and v1 directly', async () => {
    const { fetch, calls } = fakeFetch({
      ...mounts,
      'GET secret/data/app': () =>
        json(200, envelope({ data: { a: '1' }, metadata: { version: 4 } })),
      'GET kv/app': () => json(200, envelope({ b: '2' })),
    });
    const client = new VaultClient({ address: 'http://v', fetch });
    const v2 = await client.kv.get('secret/app', { version: 4 });
    expect(v2?.data).toEqual({ a: '1' });
    expect(v2?.metadata).toEqual({ version: 4 });
    expect(calls[1]?.url.search).toBe('?version=4');
    expect((await client.kv.get('kv/app'))?.data).toEqual({ b: '2' });
  });

  it('writes v2 under data/ with cas, lists and deletes with the right verbs', async () => {
    const { fetch, calls } = fakeFetch({
      ...mounts,
      'PUT secret/data/app': () => json(200, envelope({ version: 1 })),
      'LIST secret/metadata/app': () => json(200, envelope({ keys: ['x'] })),
      'DELETE secret/data/app': () => new Response(null, { status: 204 }),
      'PUT secret/delete/app': () => new Response(null, { status: 204 }),
      'PUT secret/destroy/app': () => new Response(null, { status: 204 }),
    });
    const client = new VaultClient({ address: 'http://v', fetch });
    await client.kv.put('app', { a: '1' }, { mount: 'secret', cas: 0 });
    expect(JSON.parse(calls[1]?.body ?? '')).toEqual({ data: { a: '1' }, options: { cas: 0 } });
    await expect(client.kv.list('secret/app')).resolves.toEqual(['x']);
    await client.kv.delete('secret/app');
    await client.kv.delete('secret/app', { versions: [1, 2] });
    await client.kv.destroy('secret/app', [1]);
    expect(
      calls
        .filter((c) => !c.url.pathname.includes('internal'))
        .map((c) => `${c.method} ${c.url.pathname}`),
    ).toEqual([
      'PUT /v1/secret/data/app',
      'LIST /v1/secret/metadata/app',
      'DELETE /v1/secret/data/app',
      'PUT /v1/secret/delete/app',
      'PUT /v1/secret/destroy/app',
    ]);
  });

  it('treats a server without the mounts endpoint as KV v1, and refuses v2-only operations there', async () => {
    const { fetch } = fakeFetch({ 'GET old/app': () => json(200, envelope({ a: 1 })) });
    const client = new VaultClient({ address: 'http://v', fetch });
    expect((await client.kv.get('old/app'))?.data).toEqual({ a: 1 });
    await expect(client.kv.patch('old/app', { a: 2 })).rejects.toThrow(
      /needs a KV version 2 mount/,
    );
  });
});

describe('VaultProvider', () => {
  const signal = new AbortController().signal;

  it('returns KV v2 fields with the version, and caches the mount lookup', async () => {
    const { fetch, calls } = fakeFetch({
      'GET sys/internal/ui/mounts/secret/app': () =>
        json(200, envelope({ path: 'secret/', type: 'kv', options: { version: '2' } })),
      'GET secret/data/app': () =>
        json(200, envelope({ data: { pw: 'x' }, metadata: { version: 7 } })),
    });
    const provider = new VaultProvider({ client: { address: 'http://v', fetch } });
    await expect(provider.fetch('secret/app', { signal })).resolves.toEqual({
      value: { pw: 'x' },
      version: '7',
    });
    await provider.fetch('secret/app', { signal });
    expect(calls.filter((c) => c.url.pathname.includes('internal'))).toHaveLength(1);
  });

  it('returns leases of dynamic secrets', async () => {
    const { fetch } = fakeFetch({
      'GET sys/internal/ui/mounts/database/creds/app': () =>
        json(200, envelope({ path: 'database/', type: 'database', options: null })),
      'GET database/creds/app': () =>
        json(
          200,
          envelope(
            { username: 'u', password: 'p' },
            { lease_id: 'database/creds/app/abc', lease_duration: 3600, renewable: true },
          ),
        ),
    });
    const provider = new VaultProvider({ client: { address: 'http://v', fetch } });
    await expect(provider.fetch('database/creds/app', { signal })).resolves.toEqual({
      value: { username: 'u', password: 'p' },
      lease: { id: 'database/creds/app/abc', durationMs: 3_600_000, renewable: true },
    });
  });

  it('maps 404, deleted versions and 403', async () => {
    const { fetch } = fakeFetch({
      'GET sys/internal/ui/mounts/secret/gone': () =>
        json(200, envelope({ path: 'secret/', type: 'kv', options: { version: '2' } })),
      'GET secret/data/gone': () => json(404, envelope({ data: null, metadata: { version: 3 } })),
      'GET sys/internal/ui/mounts/kv/none': () =>
        json(200, envelope({ path: 'kv/', type: 'kv', options: null })),
      'GET kv/none': () => json(404, { errors: [] }),
      'GET sys/internal/ui/mounts/kv/forbidden': () => json(403, { errors: ['permission denied'] }),
    });
    const provider = new VaultProvider({ client: { address: 'http://v', fetch } });
    await expect(provider.fetch('secret/gone', { signal })).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
    await expect(provider.fetch('kv/none', { signal })).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(provider.fetch('kv/forbidden', { signal })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
  });
});
