/**
 * VaultClient and VaultProvider end to end against a real dev server (they live in the client
 * package, which must not depend on the server, so their integration tests live here).
 */
import {
  PermissionDeniedError,
  ProviderUnavailableError,
  SecretNotFoundError,
  VaultApiError,
  VaultClient,
  VaultProvider,
  classifyError,
} from '@strongroom/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let t: TestServer;
let root: VaultClient;
beforeAll(async () => {
  t = await startTestServer();
  root = new VaultClient({ address: t.address, token: 'root' });
});
afterAll(async () => {
  await t.close();
});

const READER = 'path "sys/policies/acl/*" {\n  capabilities = ["read", "list"]\n}\n';

describe('VaultClient against the server', () => {
  it('reads health and seal status without a token', async () => {
    const anonymous = new VaultClient({ address: t.address });
    await expect(anonymous.sys.health()).resolves.toMatchObject({
      initialized: true,
      sealed: false,
    });
    await expect(anonymous.sys.sealStatus()).resolves.toMatchObject({ sealed: false, t: 1, n: 1 });
  });

  it('manages policies', async () => {
    await root.sys.writePolicy('e2e-reader', READER);
    await expect(root.sys.readPolicy('e2e-reader')).resolves.toBe(READER);
    await expect(root.sys.policies()).resolves.toEqual(
      expect.arrayContaining(['default', 'e2e-reader']),
    );
    await root.sys.deletePolicy('e2e-reader');
    await expect(root.sys.readPolicy('e2e-reader')).resolves.toBeUndefined();
    // Deleting again succeeds.
    await expect(root.sys.deletePolicy('e2e-reader')).resolves.toBeUndefined();
  });

  it('lists mounts and auth methods in both shapes', async () => {
    const mounts = await root.sys.mounts();
    expect(mounts['sys/']?.type).toBe('system');
    const auth = await root.sys.authMethods();
    expect(auth['token/']?.type).toBe('token');
  });

  it('creates, looks up, renews and revokes tokens', async () => {
    const created = await root.token.create({
      policies: ['default'],
      ttl: '1h',
      meta: { app: 'e2e' },
    });
    const auth = created.auth!;
    expect(auth.policies).toContain('default');
    expect(auth.renewable).toBe(true);

    const child = root.withToken(auth.client_token);
    const self = await child.token.lookupSelf();
    expect(self.data?.accessor).toBe(auth.accessor);
    expect(self.data?.meta).toEqual({ app: 'e2e' });
    const byAccessor = await root.token.lookupAccessor(auth.accessor);
    expect(byAccessor.data?.display_name).toBe(self.data?.display_name);

    const renewed = await child.token.renewSelf('2h');
    expect(renewed.auth?.lease_duration).toBe(7200);

    await root.token.revoke(auth.client_token);
    const error = await child.token.lookupSelf().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultApiError);
    expect((error as VaultApiError).status).toBe(403);
    expect((error as Error).message).not.toContain(auth.client_token);
    // Revoking a token that is already gone succeeds.
    await expect(root.token.revoke(auth.client_token)).resolves.toBeUndefined();
  });

  it('maps 403 to VaultApiError with the server errors, classified permanent', async () => {
    const { auth } = await root.token.create({ policies: ['default'] });
    const limited = root.withToken(auth!.client_token);
    const error = await limited.sys.writePolicy('nope', READER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultApiError);
    expect(error).toMatchObject({ status: 403, errors: ['permission denied'] });
    expect((error as Error).message).toBe('PUT sys/policies/acl/nope: 403 permission denied');
    expect(classifyError(error)).toBe('permanent');
  });

  it('maps a closed port to ProviderUnavailableError (transient)', async () => {
    const closed = new VaultClient({ address: 'http://127.0.0.1:1', timeoutMs: 2000 });
    const error = await closed.sys.sealStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(classifyError(error)).toBe('transient');
  });

  it('describes the mount of a path through sys/internal/ui/mounts', async () => {
    await expect(root.kv.mount('sys/policies/acl/default')).resolves.toEqual({
      path: 'sys/',
      type: 'system',
      version: 1,
    });
  });

  it('lists with the LIST verb and with GET ?list=true', async () => {
    await expect(root.list('sys/policies/acl')).resolves.toContain('default');
    const viaGet = new VaultClient({ address: t.address, token: 'root', listVerb: 'GET' });
    await expect(viaGet.list('sys/policies/acl')).resolves.toContain('default');
  });
});

describe('VaultProvider against the server', () => {
  const signal = new AbortController().signal;

  it('reads a secret that is not on a KV mount as plain data', async () => {
    await root.sys.writePolicy('provider-demo', READER);
    const provider = new VaultProvider({ client: root });
    const fetched = await provider.fetch('sys/policies/acl/provider-demo', { signal });
    expect(fetched.value).toMatchObject({ name: 'provider-demo', policy: READER });
    expect(fetched.lease).toBeUndefined();
  });

  it('maps a missing secret to SecretNotFoundError and a refusal to PermissionDeniedError', async () => {
    const provider = new VaultProvider({ client: root });
    await expect(provider.fetch('sys/policies/acl/none-such', { signal })).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
    const { auth } = await root.token.create({ policies: ['default'] });
    const limited = new VaultProvider({ client: root.withToken(auth!.client_token) });
    await expect(limited.fetch('sys/policies/acl/default', { signal })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
  });
});
