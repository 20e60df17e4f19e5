/**
 * Compatibility: the unmodified `node-vault` client (what Node users of Vault write today)
 * drives a Strongroom server through init, unseal, status, mounts, policies and the token
 * lifecycle. Each call goes through node-vault's own paths, verbs and response handling.
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWithConfig, tempDir } from './support/start.ts';

type VaultError = Error & { response?: { statusCode: number; body: unknown } };

async function failure(promise: Promise<unknown>): Promise<VaultError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as VaultError,
  );
}

describe('node-vault against Strongroom', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let running: Awaited<ReturnType<typeof startWithConfig>>;
  let endpoint: string;
  let rootToken = '';

  beforeAll(async () => {
    dir = await tempDir('node-vault');
    running = await startWithConfig({ dir: dir.path });
    endpoint = running.address;
  });
  afterAll(async () => {
    await running.close();
    await dir.remove();
  });

  it('initialized, init, status, unseal (with progress), health', async () => {
    const client = vault({ apiVersion: 'v1', endpoint });
    expect(await client.initialized()).toEqual({ initialized: false });
    // node-vault reads health as data whatever the status code.
    expect(await client.health()).toMatchObject({ initialized: false, sealed: true });

    const init = await client.init({ secret_shares: 5, secret_threshold: 3 });
    expect(init.keys).toHaveLength(5);
    expect(init.keys_base64).toHaveLength(5);
    expect(init.root_token).toMatch(/^hvs\./);
    rootToken = init.root_token as string;
    expect(await client.initialized()).toEqual({ initialized: true });

    const status = await client.status();
    expect(status).toMatchObject({ sealed: true, t: 3, n: 5, progress: 0 });
    expect(await client.health()).toMatchObject({ initialized: true, sealed: true });

    const keys = init.keys as string[];
    expect(await client.unseal({ key: keys[1] })).toMatchObject({ sealed: true, progress: 1 });
    expect(await client.unseal({ reset: true })).toMatchObject({ sealed: true, progress: 0 });
    await client.unseal({ key: keys[4] });
    await client.unseal({ key: keys[2] });
    const unsealed = await client.unseal({ key: keys[0] });
    expect(unsealed).toMatchObject({ sealed: false, t: 3, n: 5, progress: 0 });
    expect(await client.status()).toMatchObject({ sealed: false });
    expect(await client.health()).toMatchObject({
      initialized: true,
      sealed: false,
      standby: false,
    });
  });

  it('mounts, mount, unmount', async () => {
    const client = vault({ apiVersion: 'v1', endpoint, token: rootToken });
    const mounts = await client.mounts();
    expect(mounts.data['sys/']).toMatchObject({ type: 'system' });
    expect(mounts['sys/']).toMatchObject({ type: 'system' });

    await client.mount({ mount_point: 'nv-kv', type: 'kv', description: 'from node-vault' });
    expect((await client.mounts()).data['nv-kv/']).toMatchObject({
      type: 'kv',
      description: 'from node-vault',
    });
    await client.write('nv-kv/app', { user: 'app', pass: 'p' });
    expect((await client.read('nv-kv/app')).data).toEqual({ user: 'app', pass: 'p' });
    // node-vault lists with the LIST verb.
    expect((await client.list('nv-kv/')).data.keys).toEqual(['app']);
    await client.delete('nv-kv/app');
    const missing = await failure(client.read('nv-kv/app'));
    expect(missing.response?.statusCode).toBe(404);

    await client.unmount({ mount_point: 'nv-kv' });
    expect(Object.keys((await client.mounts()).data)).not.toContain('nv-kv/');

    expect((await client.auths()).data['token/']).toMatchObject({ type: 'token' });
  });

  it('policies, addPolicy, getPolicy, removePolicy', async () => {
    const client = vault({ apiVersion: 'v1', endpoint, token: rootToken });
    const rules = 'path "nv/*" { capabilities = ["read", "list"] }';
    await client.addPolicy({ name: 'nv-reader', rules });
    expect((await client.policies()).policies).toEqual(
      expect.arrayContaining(['default', 'nv-reader', 'root']),
    );
    const policy = await client.getPolicy({ name: 'nv-reader' });
    expect(policy.rules).toBe(rules);
    expect(policy.data).toEqual({ name: 'nv-reader', rules });

    const bad = await failure(client.addPolicy({ name: 'broken', rules: 'path "x" {' }));
    expect(bad.response?.statusCode).toBe(400);

    await client.removePolicy({ name: 'nv-reader' });
    const gone = await failure(client.getPolicy({ name: 'nv-reader' }));
    expect(gone.response?.statusCode).toBe(404);
  });

  it('tokenCreate, tokenLookup, tokenLookupSelf, tokenRenew, tokenRenewSelf, tokenRevoke', async () => {
    const admin = vault({ apiVersion: 'v1', endpoint, token: rootToken });
    await admin.addPolicy({ name: 'nv-app', rules: 'path "nv/*" { capabilities = ["read"] }' });

    // tokenCreate is a token source: node-vault switches to the new token afterwards.
    const creator = vault({ apiVersion: 'v1', endpoint, token: rootToken });
    const created = await creator.tokenCreate({
      policies: ['nv-app'],
      ttl: '1h',
      display_name: 'nv',
      meta: { app: 'nv' },
    });
    const token = created.auth.client_token as string;
    expect(created.auth).toMatchObject({
      policies: ['default', 'nv-app'],
      metadata: { app: 'nv' },
      lease_duration: 3600,
      renewable: true,
    });
    expect(creator.token).toBe(token);

    const lookup = await admin.tokenLookup({ token });
    expect(lookup.data).toMatchObject({
      id: token,
      display_name: 'token-nv',
      policies: ['default', 'nv-app'],
    });
    const self = await creator.tokenLookupSelf();
    expect(self.data).toMatchObject({ id: token, accessor: created.auth.accessor });
    const byAccessor = await admin.tokenLookupAccessor({ accessor: created.auth.accessor });
    expect(byAccessor.data).toMatchObject({ accessor: created.auth.accessor, id: '' });

    // tokenRenew is a token source too: renew from a throwaway client.
    const renewer = vault({ apiVersion: 'v1', endpoint, token: rootToken });
    const renewed = await renewer.tokenRenew({ token, increment: '2h' });
    expect(renewed.auth).toMatchObject({ client_token: token, lease_duration: 7200 });
    expect(renewer.token).toBe(token);
    const renewedSelf = await creator.tokenRenewSelf({ increment: 1800 });
    expect(renewedSelf.auth).toMatchObject({ client_token: token, lease_duration: 1800 });

    expect((await admin.tokenAccessors()).data.keys).toContain(created.auth.accessor);

    await admin.tokenRevoke({ token });
    const revoked = await failure(creator.tokenLookupSelf());
    expect(revoked.response?.statusCode).toBe(403);
    expect(revoked.message).toBe('permission denied');

    const orphan = await vault({ apiVersion: 'v1', endpoint, token: rootToken }).tokenCreateOrphan({
      policies: ['nv-app'],
    });
    expect(orphan.auth.orphan).toBe(true);
    await admin.tokenRevokeAccessor({ accessor: orphan.auth.accessor });
    const orphanGone = await failure(admin.tokenLookup({ token: orphan.auth.client_token }));
    expect(orphanGone.response?.statusCode).toBe(403);
  });

  it('seal through node-vault, then everything but the seal endpoints is 503', async () => {
    const client = vault({ apiVersion: 'v1', endpoint, token: rootToken });
    await client.seal();
    expect(await client.status()).toMatchObject({ sealed: true });
    const sealed = await failure(client.mounts());
    expect(sealed.response?.statusCode).toBe(503);
    expect(sealed.message).toBe('Vault is sealed');
    expect(await client.health()).toMatchObject({ sealed: true });
  });
});
