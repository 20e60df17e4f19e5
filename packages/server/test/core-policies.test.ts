/**
 * ACL policies over HTTP: HCL and JSON documents on both API paths, the built-in `default` and
 * `root`, the capabilities endpoints, and a restricted token refused exactly where its policy
 * says (including create vs update, decided by the engine's existence check).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startDev } from './support/start.ts';
import type { TestServer } from './support/start.ts';

const HCL = `
# kv reader
path "kvtest/app/*" {
  capabilities = ["read", "list"]
}
path "kvtest/app/forbidden" {
  capabilities = ["deny"]
}
path "kvtest/drop/*" {
  capabilities = ["create"]
}
`;

const JSON_POLICY = JSON.stringify({
  path: { 'kvtest/json/*': { capabilities: ['read', 'update', 'create'] } },
});

describe('policies over HTTP', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startDev();
    await t.client.sys.enableMount('kvtest', { type: 'kv' });
    await t.client.write('kvtest/app/one', { v: '1' });
    await t.client.write('kvtest/app/forbidden', { v: 'no' });
    await t.client.write('kvtest/other/x', { v: 'x' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('HCL on sys/policies/acl/<name>: write 204, read {name, policy}, list, delete', async () => {
    const write = await call(t.address, 'PUT', 'sys/policies/acl/KV-Reader', {
      token: t.rootToken,
      body: { policy: HCL },
    });
    expect(write.status).toBe(204);
    // Names are case-insensitive and stored lower-case.
    const read = await call(t.address, 'GET', 'sys/policies/acl/kv-reader', { token: t.rootToken });
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual({ name: 'kv-reader', policy: HCL });

    const list = await call(t.address, 'LIST', 'sys/policies/acl', { token: t.rootToken });
    expect(list.status).toBe(200);
    expect(list.body.data.keys).toEqual(expect.arrayContaining(['default', 'kv-reader', 'root']));
    const listGet = await call(t.address, 'GET', 'sys/policies/acl', {
      token: t.rootToken,
      query: { list: 'true' },
    });
    expect(listGet.body.data.keys).toEqual(list.body.data.keys);
    expect(await t.client.sys.policies()).toEqual(list.body.data.keys);
  });

  it('JSON on the legacy sys/policy/<name>: read answers {name, rules} in data and top level', async () => {
    const write = await call(t.address, 'PUT', 'sys/policy/json-writer', {
      token: t.rootToken,
      body: { policy: JSON_POLICY },
    });
    expect(write.status).toBe(204);
    const read = await call(t.address, 'GET', 'sys/policy/json-writer', { token: t.rootToken });
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual({ name: 'json-writer', rules: JSON_POLICY });
    expect(read.body.rules).toBe(JSON_POLICY);
    // The same policy through the new path.
    expect(await t.client.sys.readPolicy('json-writer')).toBe(JSON_POLICY);

    const legacyList = await call(t.address, 'GET', 'sys/policy', { token: t.rootToken });
    expect(legacyList.body.data.policies).toEqual(expect.arrayContaining(['json-writer', 'root']));
    expect(legacyList.body.policies).toEqual(legacyList.body.data.policies);
    expect(legacyList.body.data.keys).toEqual(legacyList.body.data.policies);

    const legacyDelete = await call(t.address, 'DELETE', 'sys/policy/json-writer', {
      token: t.rootToken,
    });
    expect(legacyDelete.status).toBe(204);
    const missing = await call(t.address, 'GET', 'sys/policy/json-writer', { token: t.rootToken });
    expect(missing.status).toBe(404);
    expect(await t.client.sys.readPolicy('json-writer')).toBeUndefined();
  });

  it('default is present and self-service; root reads empty; neither can be deleted', async () => {
    const def = await t.client.sys.readPolicy('default');
    expect(def).toContain('path "auth/token/lookup-self"');
    expect(def).toContain('path "sys/capabilities-self"');
    const root = await call(t.address, 'GET', 'sys/policy/root', { token: t.rootToken });
    expect(root.status).toBe(200);
    expect(root.body.data).toEqual({ name: 'root', rules: '' });

    for (const name of ['root', 'default']) {
      const del = await call(t.address, 'DELETE', `sys/policies/acl/${name}`, {
        token: t.rootToken,
      });
      expect(del.status, name).toBe(400);
      expect(del.body.errors[0]).toContain(name);
    }
    const writeRoot = await call(t.address, 'PUT', 'sys/policies/acl/root', {
      token: t.rootToken,
      body: { policy: 'path "*" { capabilities = ["read"] }' },
    });
    expect(writeRoot.status).toBe(400);
    expect(await t.client.sys.policies()).toEqual(expect.arrayContaining(['default', 'root']));
  });

  it('capabilities-self, capabilities and capabilities-accessor', async () => {
    await t.client.sys.writePolicy('kv-reader', HCL);
    const created = await t.client.token.create({ policies: ['kv-reader'] });
    const token = created.auth!.client_token;

    const self = await call(t.address, 'POST', 'sys/capabilities-self', {
      token,
      body: { paths: ['kvtest/app/one', 'kvtest/app/forbidden', 'kvtest/drop/x', 'nowhere'] },
    });
    expect(self.status).toBe(200);
    expect(self.body.data).toEqual({
      'kvtest/app/one': ['list', 'read'],
      'kvtest/app/forbidden': ['deny'],
      'kvtest/drop/x': ['create'],
      nowhere: ['deny'],
    });
    // A single path also answers `capabilities` (older clients).
    const single = await call(t.address, 'POST', 'sys/capabilities-self', {
      token,
      body: { path: 'kvtest/app/one' },
    });
    expect(single.body.data.capabilities).toEqual(['list', 'read']);
    expect(single.body.capabilities).toEqual(['list', 'read']);

    const other = await call(t.address, 'POST', 'sys/capabilities', {
      token: t.rootToken,
      body: { token, paths: ['kvtest/app/one'] },
    });
    expect(other.status).toBe(200);
    expect(other.body.data['kvtest/app/one']).toEqual(['list', 'read']);
    const rootCaps = await call(t.address, 'POST', 'sys/capabilities', {
      token: t.rootToken,
      body: { token: t.rootToken, paths: ['anything/at/all'] },
    });
    expect(rootCaps.body.data['anything/at/all']).toEqual(['root']);

    const byAccessor = await call(t.address, 'POST', 'sys/capabilities-accessor', {
      token: t.rootToken,
      body: { accessor: created.auth!.accessor, paths: ['kvtest/drop/y'] },
    });
    expect(byAccessor.status).toBe(200);
    expect(byAccessor.body.data['kvtest/drop/y']).toEqual(['create']);

    // Asking about another token needs a grant on sys/capabilities.
    const denied = await call(t.address, 'POST', 'sys/capabilities', {
      token,
      body: { token: t.rootToken, paths: ['x'] },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ errors: ['permission denied'] });
  });

  it('a restricted token is refused with 403 "permission denied" exactly where expected', async () => {
    await t.client.sys.writePolicy('kv-reader', HCL);
    const token = (await t.client.token.create({ policies: ['kv-reader'] })).auth!.client_token;
    const as = (method: string, path: string, body?: unknown) =>
      call(t.address, method, path, { token, ...(body === undefined ? {} : { body }) });
    const denied = { errors: ['permission denied'] };

    // Allowed.
    expect((await as('GET', 'kvtest/app/one')).body.data).toEqual({ v: '1' });
    expect((await as('LIST', 'kvtest/app/')).body.data.keys).toEqual(['forbidden', 'one']);
    expect((await as('GET', 'auth/token/lookup-self')).status).toBe(200); // from default

    // Refused: no grant, an explicit deny, a verb not granted, sys paths.
    for (const [method, path, body] of [
      ['GET', 'kvtest/other/x'],
      ['GET', 'kvtest/app/forbidden'],
      ['PUT', 'kvtest/app/one', { v: 'changed' }],
      ['DELETE', 'kvtest/app/one'],
      ['GET', 'sys/mounts'],
      ['PUT', 'sys/policies/acl/mine', { policy: 'path "*" { capabilities = ["sudo"] }' }],
      ['POST', 'sys/mounts/evil', { type: 'kv' }],
      ['PUT', 'sys/seal'],
    ] as const) {
      const reply = await as(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.body, `${method} ${path}`).toEqual(denied);
    }
    // Nothing refused happened.
    expect((await t.client.read('kvtest/app/one'))?.data).toEqual({ v: '1' });
    expect(await t.client.sys.readPolicy('mine')).toBeUndefined();
    expect(Object.keys(await t.client.sys.mounts())).not.toContain('evil/');
    expect((await t.client.sys.sealStatus()).sealed).toBe(false);

    // `create` without `update`: a new key may be written once, not overwritten.
    expect((await as('PUT', 'kvtest/drop/new', { v: 'first' })).status).toBe(204);
    const overwrite = await as('PUT', 'kvtest/drop/new', { v: 'second' });
    expect(overwrite.status).toBe(403);
    expect(overwrite.body).toEqual(denied);
    expect((await t.client.read('kvtest/drop/new'))?.data).toEqual({ v: 'first' });

    // A policy change applies to live tokens at once.
    await t.client.sys.writePolicy(
      'kv-reader',
      'path "kvtest/other/*" { capabilities = ["read"] }',
    );
    expect((await as('GET', 'kvtest/other/x')).status).toBe(200);
    expect((await as('GET', 'kvtest/app/one')).status).toBe(403);
    await t.client.sys.deletePolicy('kv-reader');
    expect((await as('GET', 'kvtest/other/x')).status).toBe(403);
  });

  it('a JSON policy grants what it says', async () => {
    await t.client.sys.writePolicy('json-writer', JSON_POLICY);
    const token = (await t.client.token.create({ policies: ['json-writer'] })).auth!.client_token;
    const put = await call(t.address, 'PUT', 'kvtest/json/a', { token, body: { v: 'a' } });
    expect(put.status).toBe(204);
    expect((await call(t.address, 'GET', 'kvtest/json/a', { token })).body.data).toEqual({
      v: 'a',
    });
    expect((await call(t.address, 'DELETE', 'kvtest/json/a', { token })).status).toBe(403);
  });
});
