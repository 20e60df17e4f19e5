/**
 * Init, unseal, seal status, health, the sealed wall, key rotation and restart, on a real server
 * with file storage, driven over HTTP.
 */
import { VaultApiError, VaultClient } from '@strongroom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startWithConfig, tempDir, unsealWith } from './support/start.ts';

type Started = Awaited<ReturnType<typeof startWithConfig>>;

describe('seal lifecycle over HTTP (file storage)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let running: Started | undefined;

  beforeEach(async () => {
    dir = await tempDir('seal');
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await dir.remove();
  });

  const start = async (): Promise<Started> => {
    running = await startWithConfig({ dir: dir.path });
    return running;
  };

  it('an uninitialized server reports itself so, in every status endpoint', async () => {
    const { address, client } = await start();
    expect((await call(address, 'GET', 'sys/init')).body).toEqual({ initialized: false });

    const status = await client.sys.sealStatus();
    expect(status).toMatchObject({
      type: 'shamir',
      initialized: false,
      sealed: true,
      t: 0,
      n: 0,
      progress: 0,
      storage_type: 'file',
    });

    const health = await call(address, 'GET', 'sys/health');
    expect(health.status).toBe(501);
    expect(health.body).toMatchObject({ initialized: false, sealed: true, standby: false });
    expect(
      (await call(address, 'GET', 'sys/health', { query: { uninitcode: '200' } })).status,
    ).toBe(200);
    const head = await call(address, 'HEAD', 'sys/health');
    expect(head.status).toBe(501);
    expect(head.text).toBe('');

    // Everything else is behind the seal.
    const mounts = await call(address, 'GET', 'sys/mounts', { token: 'whatever' });
    expect(mounts.status).toBe(503);
    expect(mounts.body).toEqual({ errors: ['Vault is sealed'] });
  });

  it('init 5/3 -> sealed; unseal with 3 shares in any order, with progress and reset', async () => {
    const { address, client } = await start();
    const init = await call(address, 'PUT', 'sys/init', {
      body: { secret_shares: 5, secret_threshold: 3 },
    });
    expect(init.status).toBe(200);
    expect(Object.keys(init.body).sort()).toEqual(['keys', 'keys_base64', 'root_token']);
    const keys = init.body.keys as string[];
    const keysB64 = init.body.keys_base64 as string[];
    const rootToken = init.body.root_token as string;
    expect(keys).toHaveLength(5);
    expect(keysB64).toHaveLength(5);
    expect(new Set(keys).size).toBe(5);
    for (const [i, hex] of keys.entries()) {
      expect(hex).toMatch(/^[0-9a-f]+$/);
      // The two lists are the same shares in two encodings.
      expect(Buffer.from(hex, 'hex').toString('base64')).toBe(keysB64[i]);
    }
    expect(rootToken).toMatch(/^hvs\./);

    // Initializing twice is refused.
    const again = await call(address, 'PUT', 'sys/init', {
      body: { secret_shares: 1, secret_threshold: 1 },
    });
    expect(again.status).toBe(400);
    expect(again.body.errors).toHaveLength(1);

    // Sealed after init, as Vault is.
    let status = await client.sys.sealStatus();
    expect(status).toMatchObject({ initialized: true, sealed: true, t: 3, n: 5, progress: 0 });
    expect((await call(address, 'GET', 'sys/health')).status).toBe(503);
    expect(
      (await call(address, 'GET', 'sys/health', { query: { sealedcode: '299' } })).status,
    ).toBe(299);
    // Everything but the seal endpoints is behind the seal, known path or not, token or not.
    for (const [method, path] of [
      ['GET', 'auth/token/lookup-self'],
      ['POST', 'auth/token/create'],
      ['GET', 'sys/mounts'],
      ['GET', 'sys/auth'],
      ['LIST', 'sys/policies/acl'],
      ['GET', 'sys/key-status'],
      ['PUT', 'sys/rotate'],
      ['GET', 'sys/internal/ui/mounts/secret'],
      ['GET', 'no/such/mount'],
    ] as const) {
      const reply = await call(address, method, path, { token: rootToken });
      expect(reply.status, `${method} ${path}`).toBe(503);
      expect(reply.body, `${method} ${path}`).toEqual({ errors: ['Vault is sealed'] });
    }

    // Progress, then reset.
    status = await client.sys.unseal(keys[4]!);
    expect(status).toMatchObject({ sealed: true, t: 3, n: 5, progress: 1 });
    expect(status.nonce).not.toBe('');
    status = await client.sys.unseal(keysB64[1]!); // base64 shares are accepted too
    expect(status).toMatchObject({ sealed: true, progress: 2 });
    status = await client.sys.unseal({ reset: true });
    expect(status).toMatchObject({ sealed: true, progress: 0 });

    // Any three, in any order.
    expect((await client.sys.unseal(keys[3]!)).progress).toBe(1);
    expect((await client.sys.unseal(keys[0]!)).progress).toBe(2);
    status = await client.sys.unseal(keys[2]!);
    expect(status).toMatchObject({ initialized: true, sealed: false, t: 3, n: 5, progress: 0 });
    expect(status.cluster_name).toEqual(expect.any(String));
    expect(status.cluster_id).toEqual(expect.any(String));

    const health = await call(address, 'GET', 'sys/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      version: expect.any(String),
      cluster_name: expect.any(String),
      cluster_id: expect.any(String),
      server_time_utc: expect.any(Number),
    });
    // standbyok only matters on a standby; an active node still answers 200.
    expect(
      (await call(address, 'GET', 'sys/health', { query: { standbyok: 'true' } })).status,
    ).toBe(200);
    expect(
      (await call(address, 'GET', 'sys/health', { query: { activecode: '204' } })).status,
    ).toBe(204);
    const head = await call(address, 'HEAD', 'sys/health');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');

    const self = new VaultClient({ address, token: rootToken });
    const lookup = await self.token.lookupSelf();
    expect(lookup.data).toMatchObject({ policies: ['root'], id: rootToken });
  });

  it('a wrong share is refused without progress; sys/seal needs a token and seals', async () => {
    const { address, client } = await start();
    const init = await client.sys.init({ secretShares: 3, secretThreshold: 2 });
    const bogus = Buffer.alloc(33, 7).toString('hex');
    await client.sys.unseal(init.keys[0]!);
    const wrong = await call(address, 'PUT', 'sys/unseal', { body: { key: bogus } });
    // A share from another key set either fails at once or when the threshold is reached.
    expect([200, 400]).toContain(wrong.status);
    expect((await client.sys.sealStatus()).sealed).toBe(true);
    await client.sys.unseal({ reset: true });
    await unsealWith(client, [init.keys[2]!, init.keys[1]!]);
    expect((await client.sys.sealStatus()).sealed).toBe(false);

    const noToken = await call(address, 'PUT', 'sys/seal');
    expect(noToken.status).toBe(403);
    expect(noToken.body).toEqual({ errors: ['permission denied'] });
    const sealed = await call(address, 'PUT', 'sys/seal', { token: init.root_token });
    expect(sealed.status).toBe(204);
    expect((await client.sys.sealStatus()).sealed).toBe(true);
    expect(
      (await call(address, 'GET', 'sys/policies/acl', { token: init.root_token })).status,
    ).toBe(503);
  });

  it('key-status and rotate: a new term, and data written before stays readable', async () => {
    const { address, client } = await start();
    const init = await client.sys.init({ secretShares: 1, secretThreshold: 1 });
    await unsealWith(client, init.keys);
    const root = client.withToken(init.root_token);

    await root.sys.writePolicy('before-rotate', 'path "a/*" { capabilities = ["read"] }');
    const first = await call(address, 'GET', 'sys/key-status', { token: init.root_token });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ term: 1, install_time: expect.any(String) });
    expect(first.body.term).toBe(1); // top level too, as Vault
    expect(Number.isNaN(Date.parse(first.body.data.install_time as string))).toBe(false);

    expect((await call(address, 'PUT', 'sys/rotate', { token: init.root_token })).status).toBe(204);
    const second = await call(address, 'GET', 'sys/key-status', { token: init.root_token });
    expect(second.body.data.term).toBe(2);

    expect(await root.sys.readPolicy('before-rotate')).toBe(
      'path "a/*" { capabilities = ["read"] }',
    );
    await root.sys.writePolicy('after-rotate', 'path "b/*" { capabilities = ["list"] }');
    expect(await root.sys.readPolicy('after-rotate')).toContain('"b/*"');

    // key-status and rotate are root-protected (sudo).
    const plain = await root.token.create({ policies: ['default'] });
    const denied = await call(address, 'GET', 'sys/key-status', {
      token: plain.auth!.client_token,
    });
    expect(denied.status).toBe(403);
  });

  it('a restart on the same storage comes back sealed and unseals to the same state', async () => {
    const first = await start();
    const init = await first.client.sys.init({ secretShares: 5, secretThreshold: 3 });
    await unsealWith(first.client, init.keys.slice(0, 3));
    const root = first.client.withToken(init.root_token);
    await root.sys.writePolicy('kept', 'path "kept/*" { capabilities = ["read", "list"] }');
    await root.sys.enableMount('data', { type: 'kv', description: 'survives restarts' });
    await root.write('data/app', { marker: 'still-here' });
    const child = await root.token.create({ policies: ['kept'], ttl: '1h' });
    await call(first.address, 'PUT', 'sys/rotate', { token: init.root_token });
    await root.write('data/after-rotate', { marker: 'also-here' });
    await first.close();
    running = undefined;

    const second = await start();
    const status = await second.client.sys.sealStatus();
    expect(status).toMatchObject({ initialized: true, sealed: true, t: 3, n: 5, progress: 0 });
    expect((await call(second.address, 'GET', 'sys/health')).status).toBe(503);
    await unsealWith(second.client, [init.keys[4]!, init.keys_base64[2]!, init.keys[0]!]);
    expect((await second.client.sys.sealStatus()).sealed).toBe(false);

    const root2 = second.client.withToken(init.root_token);
    expect(await root2.sys.readPolicy('kept')).toContain('"kept/*"');
    const mounts = await root2.sys.mounts();
    expect(mounts['data/']).toMatchObject({ type: 'kv', description: 'survives restarts' });
    expect((await root2.read('data/app'))?.data).toEqual({ marker: 'still-here' });
    expect((await root2.read('data/after-rotate'))?.data).toEqual({ marker: 'also-here' });
    const lookup = await second.client.withToken(child.auth!.client_token).token.lookupSelf();
    expect(lookup.data).toMatchObject({ policies: ['default', 'kept'] });
    const keyStatus = await call(second.address, 'GET', 'sys/key-status', {
      token: init.root_token,
    });
    expect(keyStatus.body.data.term).toBe(2);
  });

  it('VaultClient.sys.health resolves every state as data', async () => {
    const { client } = await start();
    expect(await client.sys.health()).toMatchObject({ initialized: false, sealed: true });
    const init = await client.sys.init({ secretShares: 1, secretThreshold: 1 });
    expect(await client.sys.health()).toMatchObject({ initialized: true, sealed: true });
    await unsealWith(client, init.keys);
    expect(await client.sys.health()).toMatchObject({ initialized: true, sealed: false });
    await expect(client.request('GET', 'sys/mounts')).rejects.toBeInstanceOf(VaultApiError);
  });
});
