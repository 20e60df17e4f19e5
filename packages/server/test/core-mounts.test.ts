/**
 * The mount table over HTTP: listings in both places, enable/read/tune/disable of secrets engines
 * and auth methods, disable removing the mount's data, and `sys/internal/ui/mounts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startDev } from './support/start.ts';
import type { TestServer } from './support/start.ts';

const MOUNT_FIELDS = [
  'accessor',
  'config',
  'description',
  'external_entropy_access',
  'local',
  'options',
  'plugin_version',
  'running_plugin_version',
  'running_sha256',
  'seal_wrap',
  'type',
  'uuid',
];

describe('mounts and auth methods over HTTP', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startDev();
  });
  afterAll(async () => {
    await t.close();
  });

  it("sys/mounts lists every mount under data and at the top level, in Vault's shape", async () => {
    const reply = await call(t.address, 'GET', 'sys/mounts', { token: t.rootToken });
    expect(reply.status).toBe(200);
    const body = reply.body;
    expect(body).toMatchObject({
      request_id: expect.any(String),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      wrap_info: null,
      warnings: null,
      auth: null,
    });
    for (const key of ['sys/', 'secret/']) {
      expect(body.data[key]).toEqual(body[key]);
      expect(Object.keys(body.data[key]).sort()).toEqual(MOUNT_FIELDS);
    }
    expect(body.data['sys/']).toMatchObject({ type: 'system' });
    // Dev mode mounts KV v2 at secret/.
    expect(body.data['secret/']).toMatchObject({
      type: 'kv',
      options: { version: '2' },
      local: false,
      seal_wrap: false,
      config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
    });
    expect(body.data['secret/'].accessor).toMatch(/^kv_/);

    const viaClient = await t.client.sys.mounts();
    expect(Object.keys(viaClient)).toEqual(expect.arrayContaining(['sys/', 'secret/']));
  });

  it('sys/auth lists the token method under data and at the top level', async () => {
    const reply = await call(t.address, 'GET', 'sys/auth', { token: t.rootToken });
    expect(reply.status).toBe(200);
    expect(reply.body.data['token/']).toEqual(reply.body['token/']);
    expect(reply.body.data['token/']).toMatchObject({
      type: 'token',
      description: expect.any(String),
      accessor: expect.stringMatching(/^auth_/),
    });
    expect(Object.keys(reply.body.data['token/']).sort()).toEqual(MOUNT_FIELDS);
    expect(Object.keys(await t.client.sys.authMethods())).toContain('token/');
  });

  it('enable, read, tune, read back and disable a secrets engine', async () => {
    const enable = await call(t.address, 'POST', 'sys/mounts/team-a', {
      token: t.rootToken,
      body: {
        type: 'kv',
        description: 'team A',
        config: { default_lease_ttl: '1h', max_lease_ttl: 7200 },
        options: { version: '1' },
      },
    });
    expect(enable.status).toBe(204);

    const read = await call(t.address, 'GET', 'sys/mounts/team-a', { token: t.rootToken });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({
      type: 'kv',
      description: 'team A',
      options: { version: '1' },
      config: { default_lease_ttl: 3600, max_lease_ttl: 7200 },
    });
    const listed = await t.client.sys.mounts();
    expect(listed['team-a/']).toMatchObject({ type: 'kv', description: 'team A' });

    const tune = await call(t.address, 'GET', 'sys/mounts/team-a/tune', { token: t.rootToken });
    expect(tune.body.data).toMatchObject({
      default_lease_ttl: 3600,
      max_lease_ttl: 7200,
      force_no_cache: false,
      description: 'team A',
      options: { version: '1' },
    });
    const tuned = await call(t.address, 'POST', 'sys/mounts/team-a/tune', {
      token: t.rootToken,
      body: { default_lease_ttl: '30m', max_lease_ttl: '3h', description: 'team A, tuned' },
    });
    expect(tuned.status).toBe(204);
    const after = await call(t.address, 'GET', 'sys/mounts/team-a/tune', { token: t.rootToken });
    expect(after.body.data).toMatchObject({
      default_lease_ttl: 1800,
      max_lease_ttl: 10800,
      description: 'team A, tuned',
    });
    // "system" resets to the server default (768h).
    await call(t.address, 'POST', 'sys/mounts/team-a/tune', {
      token: t.rootToken,
      body: { default_lease_ttl: 'system' },
    });
    const reset = await call(t.address, 'GET', 'sys/mounts/team-a/tune', { token: t.rootToken });
    expect(reset.body.data.default_lease_ttl).toBe(768 * 3600);

    // Mounting on a path in use is refused and changes nothing.
    const clash = await call(t.address, 'POST', 'sys/mounts/team-a', {
      token: t.rootToken,
      body: { type: 'kv' },
    });
    expect(clash.status).toBe(400);
    expect(clash.body.errors[0]).toMatch(/team-a/);

    const disable = await call(t.address, 'DELETE', 'sys/mounts/team-a', { token: t.rootToken });
    expect(disable.status).toBe(204);
    expect(Object.keys(await t.client.sys.mounts())).not.toContain('team-a/');
    const gone = await call(t.address, 'GET', 'sys/mounts/team-a/tune', { token: t.rootToken });
    expect(gone.status).toBe(400);
    expect(gone.body.errors).toHaveLength(1);
    // Disabling what is not mounted succeeds, as Vault.
    expect(
      (await call(t.address, 'DELETE', 'sys/mounts/never-mounted', { token: t.rootToken })).status,
    ).toBe(204);
  });

  it("disable removes the mount's data: re-enabling at the same path finds nothing", async () => {
    await t.client.sys.enableMount('scratch', { type: 'kv' });
    await t.client.write('scratch/one', { value: '1' });
    await t.client.write('scratch/dir/two', { value: '2' });
    expect((await t.client.read('scratch/one'))?.data).toEqual({ value: '1' });
    expect(await t.client.list('scratch/')).toEqual(['dir/', 'one']);

    await t.client.sys.disableMount('scratch');
    const unrouted = await call(t.address, 'GET', 'scratch/one', { token: t.rootToken });
    expect(unrouted.status).toBe(404);
    expect(unrouted.body.errors).toHaveLength(1);

    await t.client.sys.enableMount('scratch', { type: 'kv' });
    const missing = await call(t.address, 'GET', 'scratch/one', { token: t.rootToken });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: [] });
    expect(await t.client.read('scratch/dir/two')).toBeUndefined();
    expect(await t.client.list('scratch/')).toEqual([]);
    await t.client.sys.disableMount('scratch');
  });

  it('enable, read and disable an auth method; the token method cannot be disabled', async () => {
    await t.client.sys.enableAuth('corp', { type: 'test-auth', description: 'corporate' });
    const listed = await call(t.address, 'GET', 'sys/auth', { token: t.rootToken });
    expect(listed.body.data['corp/']).toMatchObject({
      type: 'test-auth',
      description: 'corporate',
    });
    expect(listed.body['corp/']).toEqual(listed.body.data['corp/']);
    const read = await call(t.address, 'GET', 'sys/auth/corp', { token: t.rootToken });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ type: 'test-auth' });
    // An auth method is not a secrets engine.
    expect(Object.keys(await t.client.sys.mounts())).not.toContain('auth/corp/');

    await t.client.sys.disableAuth('corp');
    expect(Object.keys(await t.client.sys.authMethods())).not.toContain('corp/');

    const token = await call(t.address, 'DELETE', 'sys/auth/token', { token: t.rootToken });
    expect(token.status).toBe(400);
    const sys = await call(t.address, 'DELETE', 'sys/mounts/sys', { token: t.rootToken });
    expect(sys.status).toBe(400);
    expect(Object.keys(await t.client.sys.authMethods())).toContain('token/');
  });

  it('an unknown engine type is refused with 400 and nothing is mounted', async () => {
    const reply = await call(t.address, 'POST', 'sys/mounts/nope', {
      token: t.rootToken,
      body: { type: 'no-such-engine' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]).toContain('no-such-engine');
    expect(Object.keys(await t.client.sys.mounts())).not.toContain('nope/');
  });

  it('sys/internal/ui/mounts/<path> describes the serving mount to callers with access', async () => {
    const reply = await call(t.address, 'GET', 'sys/internal/ui/mounts/secret/app/db', {
      token: t.rootToken,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.data).toMatchObject({
      type: 'kv',
      path: 'secret/',
      options: { version: '2' },
      description: expect.any(String),
    });

    const all = await call(t.address, 'GET', 'sys/internal/ui/mounts', { token: t.rootToken });
    expect(all.status).toBe(200);
    expect(Object.keys(all.body.data.secret)).toEqual(expect.arrayContaining(['secret/', 'sys/']));
    expect(Object.keys(all.body.data.auth)).toContain('token/');

    // A token with no grant under the mount sees nothing; one with a grant sees the mount.
    await t.client.sys.writePolicy(
      'secret-reader',
      'path "secret/data/app/*" { capabilities = ["read"] }',
    );
    const none = await t.client.token.create({ policies: ['default'] });
    const some = await t.client.token.create({ policies: ['secret-reader'] });
    const denied = await call(t.address, 'GET', 'sys/internal/ui/mounts/secret/app', {
      token: none.auth!.client_token,
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ errors: ['permission denied'] });
    const allowed = await call(t.address, 'GET', 'sys/internal/ui/mounts/secret/data/app/x', {
      token: some.auth!.client_token,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.data).toMatchObject({ type: 'kv', path: 'secret/' });
  });

  it('mount listings need a token with access', async () => {
    const none = await call(t.address, 'GET', 'sys/mounts');
    expect(none.status).toBe(403);
    expect(none.body).toEqual({ errors: ['permission denied'] });
    const plain = await t.client.token.create({ policies: ['default'] });
    const denied = await call(t.address, 'GET', 'sys/mounts', { token: plain.auth!.client_token });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ errors: ['permission denied'] });
  });
});
