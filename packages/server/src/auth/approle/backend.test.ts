import { describe, expect, it } from 'vitest';
import { listRecursive } from '../../logical/storage.ts';
import { authHarness } from '../test-support.ts';
import type { AuthHarness } from '../test-support.ts';
import { approleBackendFactory } from './backend.ts';

const MINUTE = 60_000;

async function setup(): Promise<AuthHarness> {
  return authHarness(approleBackendFactory, 'approle');
}

async function roleIdOf(h: AuthHarness, name: string): Promise<string> {
  const response = await h.call('read', `role/${name}/role-id`);
  return response?.data?.['role_id'] as string;
}

async function newSecretId(
  h: AuthHarness,
  name: string,
  data: Record<string, unknown> = {},
): Promise<{ secretId: string; accessor: string; data: Record<string, unknown> }> {
  const response = await h.call('update', `role/${name}/secret-id`, data);
  return {
    secretId: response?.data?.['secret_id'] as string,
    accessor: response?.data?.['secret_id_accessor'] as string,
    data: { ...response?.data },
  };
}

function login(h: AuthHarness, roleId: string, secretId: string, remoteAddress = '127.0.0.1') {
  return h.call('update', 'login', { role_id: roleId, secret_id: secretId }, { remoteAddress });
}

describe('approle roles', () => {
  it('creates, reads, lists and deletes roles with token settings', async () => {
    const h = await setup();
    await h.call('update', 'role/Web', {
      token_policies: 'b,a',
      token_ttl: '10m',
      token_max_ttl: 1800,
      secret_id_ttl: '1h',
      secret_id_num_uses: 4,
      secret_id_bound_cidrs: ['10.0.0.0/8'],
    });
    const read = await h.call('read', 'role/web');
    expect(read?.data).toMatchObject({
      bind_secret_id: true,
      token_policies: ['a', 'b'],
      policies: ['a', 'b'],
      token_ttl: 600,
      token_max_ttl: 1800,
      secret_id_ttl: 3600,
      secret_id_num_uses: 4,
      secret_id_bound_cidrs: ['10.0.0.0/8'],
      token_type: 'default',
    });
    expect((await h.call('list', 'role'))?.data).toEqual({ keys: ['web'] });
    await h.call('update', 'role/web', { policies: ['c'] });
    expect((await h.call('read', 'role/web'))?.data?.['token_policies']).toEqual(['c']);
    expect((await h.call('read', 'role/web'))?.data?.['token_ttl']).toBe(600);
    await h.call('delete', 'role/web');
    expect(await h.call('read', 'role/web')).toBeUndefined();
    await expect(h.call('list', 'role')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses invalid role settings', async () => {
    const h = await setup();
    await expect(h.call('update', 'role/x', { bind_secret_id: false })).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      h.call('update', 'role/x', { secret_id_bound_cidrs: 'not-a-cidr' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      h.call('update', 'role/x', { token_ttl: '2h', token_max_ttl: '1h' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(h.call('update', 'role/x', { token_type: 'batch' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(h.call('update', 'role/bad$name', {})).rejects.toMatchObject({ status: 400 });
  });

  it('reads and sets the role ID, which must be unique', async () => {
    const h = await setup();
    await h.call('update', 'role/a', {});
    await h.call('update', 'role/b', { role_id: 'custom-b' });
    expect(await roleIdOf(h, 'a')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await roleIdOf(h, 'b')).toBe('custom-b');
    await h.call('update', 'role/a/role-id', { role_id: 'custom-a' });
    expect(await roleIdOf(h, 'a')).toBe('custom-a');
    await expect(h.call('update', 'role/b/role-id', { role_id: 'custom-a' })).rejects.toMatchObject(
      { status: 400, message: 'role_id already in use' },
    );
  });
});

describe('approle secret IDs', () => {
  it('generates secret IDs stored only as hashes', async () => {
    const h = await setup();
    await h.call('update', 'role/web', { secret_id_ttl: '1h', secret_id_num_uses: 3 });
    const issued = await newSecretId(h, 'web', { metadata: '{"env":"prod"}' });
    expect(issued.data).toMatchObject({ secret_id_ttl: 3600, secret_id_num_uses: 3 });
    expect(issued.secretId).toMatch(/^[0-9a-f-]{36}$/);
    const dump = new TextDecoder().decode(
      Buffer.concat(
        await Promise.all(
          (await listRecursive(h.physical)).map(
            async (k) => (await h.physical.get(k)) ?? new Uint8Array(),
          ),
        ),
      ),
    );
    expect(dump).not.toContain(issued.secretId);
    expect((await listRecursive(h.physical)).join('\n')).not.toContain(issued.secretId);
  });

  it('narrows but never widens the role defaults', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {
      secret_id_ttl: '1h',
      secret_id_num_uses: 3,
      secret_id_bound_cidrs: '10.0.0.0/8',
    });
    expect((await newSecretId(h, 'web', { ttl: '10m', num_uses: 2 })).data).toMatchObject({
      secret_id_ttl: 600,
      secret_id_num_uses: 2,
    });
    await expect(h.call('update', 'role/web/secret-id', { ttl: '2h' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(h.call('update', 'role/web/secret-id', { num_uses: 5 })).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      h.call('update', 'role/web/secret-id', { cidr_list: '192.168.0.0/16' }),
    ).rejects.toMatchObject({ status: 400 });
    expect(
      (await newSecretId(h, 'web', { cidr_list: ['10.1.0.0/16'] })).data['secret_id_num_uses'],
    ).toBe(3);
    await expect(h.call('update', 'role/nope/secret-id', {})).rejects.toMatchObject({
      status: 400,
    });
  });

  it('lists accessors, looks up and destroys by value and by accessor', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const one = await newSecretId(h, 'web', { metadata: { team: 'a' } });
    const two = await newSecretId(h, 'web');
    const keys = (await h.call('list', 'role/web/secret-id'))?.data?.['keys'];
    expect(keys).toEqual([one.accessor, two.accessor].sort());

    const byValue = await h.call('update', 'role/web/secret-id/lookup', {
      secret_id: one.secretId,
    });
    expect(byValue?.data).toMatchObject({
      secret_id_accessor: one.accessor,
      metadata: { team: 'a' },
      secret_id_num_uses: 0,
      expiration_time: '0001-01-01T00:00:00Z',
      creation_time: new Date(h.clock.now()).toISOString(),
    });
    const byAccessor = await h.call('update', 'role/web/secret-id-accessor/lookup', {
      secret_id_accessor: two.accessor,
    });
    expect(byAccessor?.data?.['secret_id_accessor']).toBe(two.accessor);
    expect(JSON.stringify(byAccessor)).not.toContain(two.secretId);

    await h.call('update', 'role/web/secret-id/destroy', { secret_id: one.secretId });
    await h.call('update', 'role/web/secret-id/destroy', { secret_id: one.secretId });
    expect(
      await h.call('update', 'role/web/secret-id/lookup', { secret_id: one.secretId }),
    ).toBeUndefined();
    await h.call('update', 'role/web/secret-id-accessor/destroy', {
      secret_id_accessor: two.accessor,
    });
    await expect(
      h.call('update', 'role/web/secret-id-accessor/lookup', { secret_id_accessor: two.accessor }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(h.call('list', 'role/web/secret-id')).rejects.toMatchObject({ status: 404 });
  });

  it("keeps one role's accessors away from another role", async () => {
    const h = await setup();
    await h.call('update', 'role/a', {});
    await h.call('update', 'role/b', {});
    const ofA = await newSecretId(h, 'a');
    await expect(
      h.call('update', 'role/b/secret-id-accessor/lookup', { secret_id_accessor: ofA.accessor }),
    ).rejects.toMatchObject({ status: 400 });
    await h.call('update', 'role/b/secret-id-accessor/destroy', {
      secret_id_accessor: ofA.accessor,
    });
    const roleId = await roleIdOf(h, 'a');
    expect((await login(h, roleId, ofA.secretId))?.auth).toBeDefined();
  });

  it('accepts custom secret IDs and refuses duplicates', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const custom = await h.call('update', 'role/web/custom-secret-id', {
      secret_id: 'my-pushed-secret',
      num_uses: 1,
    });
    expect(custom?.data).toMatchObject({ secret_id: 'my-pushed-secret', secret_id_num_uses: 1 });
    await expect(
      h.call('update', 'role/web/custom-secret-id', { secret_id: 'my-pushed-secret' }),
    ).rejects.toMatchObject({ status: 400 });
    const roleId = await roleIdOf(h, 'web');
    expect((await login(h, roleId, 'my-pushed-secret'))?.auth).toBeDefined();
  });

  it('deleting a role deletes its secret IDs', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const issued = await newSecretId(h, 'web');
    const roleId = await roleIdOf(h, 'web');
    await h.call('delete', 'role/web');
    await h.call('update', 'role/web', {});
    await expect(login(h, roleId, issued.secretId)).rejects.toMatchObject({ status: 400 });
    expect((await listRecursive(h.storage)).filter((k) => k.startsWith('secret_id/'))).toEqual([]);
  });
});

describe('approle login', () => {
  it('issues an auth result with the role token settings and metadata', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {
      token_policies: ['web'],
      token_ttl: '20m',
      token_max_ttl: '30m',
      token_num_uses: 7,
      token_bound_cidrs: '127.0.0.0/8',
    });
    const issued = await newSecretId(h, 'web', { metadata: { env: 'prod' } });
    const response = await login(h, await roleIdOf(h, 'web'), issued.secretId);
    expect(response?.auth).toEqual({
      policies: ['web'],
      metadata: { env: 'prod', role_name: 'web' },
      displayName: 'approle',
      ttlMs: 20 * MINUTE,
      maxTtlMs: 30 * MINUTE,
      periodMs: 0,
      renewable: true,
      numUses: 7,
      noDefaultPolicy: false,
      tokenType: 'service',
      boundCidrs: ['127.0.0.0/8'],
      internal: { role_name: 'web' },
    });
  });

  it('periodic roles escape token_max_ttl but not token_explicit_max_ttl', async () => {
    const h = await setup();
    await h.call('update', 'role/p', {
      token_period: '1h',
      token_max_ttl: '2h',
      token_explicit_max_ttl: '10h',
    });
    const issued = await newSecretId(h, 'p');
    const auth = (await login(h, await roleIdOf(h, 'p'), issued.secretId))?.auth;
    expect(auth).toMatchObject({ periodMs: 60 * MINUTE, maxTtlMs: 600 * MINUTE });
  });

  it('logs in without a secret ID when the role does not bind one', async () => {
    const h = await setup();
    await h.call('update', 'role/open', {
      bind_secret_id: false,
      secret_id_bound_cidrs: '10.0.0.0/8',
    });
    const roleId = await roleIdOf(h, 'open');
    const ok = await h.call('update', 'login', { role_id: roleId }, { remoteAddress: '10.1.2.3' });
    expect(ok?.auth?.metadata).toEqual({ role_name: 'open' });
    await expect(
      h.call('update', 'login', { role_id: roleId }, { remoteAddress: '192.168.1.1' }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('refuses a wrong secret ID and an unknown role ID with the same message', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    await newSecretId(h, 'web');
    const wrongSecret = await login(h, roleId, 'wrong').catch((e: unknown) => e);
    const wrongRole = await login(h, 'no-such-role', 'wrong').catch((e: unknown) => e);
    expect(wrongSecret).toMatchObject({ status: 400, message: 'invalid role or secret ID' });
    expect(wrongRole).toMatchObject({ status: 400, message: 'invalid role or secret ID' });
    await expect(h.call('update', 'login', { role_id: roleId })).rejects.toMatchObject({
      status: 400,
      message: 'missing secret_id',
    });
  });

  it('spends uses and refuses a spent secret ID clearly', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    const issued = await newSecretId(h, 'web', { num_uses: 2 });
    await login(h, roleId, issued.secretId);
    const lookup = await h.call('update', 'role/web/secret-id/lookup', {
      secret_id: issued.secretId,
    });
    expect(lookup?.data?.['secret_id_num_uses']).toBe(1);
    await login(h, roleId, issued.secretId);
    await expect(login(h, roleId, issued.secretId)).rejects.toMatchObject({
      status: 400,
      message: 'secret ID has no uses left',
    });
    expect(
      await h.call('update', 'role/web/secret-id/lookup', { secret_id: issued.secretId }),
    ).toBeUndefined();
  });

  it('20 concurrent logins on a secret ID with 5 uses: exactly 5 succeed', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    const issued = await newSecretId(h, 'web', { num_uses: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => login(h, roleId, issued.secretId)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  });

  it('refuses an expired secret ID clearly', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    const issued = await newSecretId(h, 'web', { ttl: '10m' });
    await h.clock.advance(9 * MINUTE);
    await login(h, roleId, issued.secretId);
    await h.clock.advance(MINUTE);
    await expect(login(h, roleId, issued.secretId)).rejects.toMatchObject({
      status: 400,
      message: 'secret ID has expired',
    });
  });

  it("refuses a caller outside the secret ID's CIDR list without spending a use", async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    const issued = await newSecretId(h, 'web', { cidr_list: '10.0.0.0/8', num_uses: 1 });
    await expect(login(h, roleId, issued.secretId, '192.168.0.9')).rejects.toMatchObject({
      status: 400,
      message: 'source address is not allowed by the CIDR restrictions on the secret ID',
    });
    expect((await login(h, roleId, issued.secretId, '::ffff:10.9.9.9'))?.auth).toBeDefined();
  });

  it('locks a role ID after 5 failures for 15 minutes, whatever the secret', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    const issued = await newSecretId(h, 'web', { num_uses: 10 });
    for (let i = 0; i < 5; i++) {
      await expect(login(h, roleId, `wrong-${i}`)).rejects.toMatchObject({ status: 400 });
    }
    const locked = await login(h, roleId, issued.secretId).catch((e: unknown) => e);
    const lockedWrong = await login(h, roleId, 'wrong').catch((e: unknown) => e);
    expect(locked).toMatchObject({ status: 403, message: 'permission denied' });
    expect(lockedWrong).toMatchObject({ status: 403, message: 'permission denied' });
    // A locked login spent nothing.
    const lookup = await h.call('update', 'role/web/secret-id/lookup', {
      secret_id: issued.secretId,
    });
    expect(lookup?.data?.['secret_id_num_uses']).toBe(10);
    await h.clock.advance(15 * MINUTE);
    expect((await login(h, roleId, issued.secretId))?.auth).toBeDefined();
  });

  it('resets the failure count after a success and after the counter reset', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    const issued = await newSecretId(h, 'web');
    for (let i = 0; i < 4; i++) await login(h, roleId, 'wrong').catch(() => undefined);
    await login(h, roleId, issued.secretId);
    for (let i = 0; i < 4; i++) await login(h, roleId, 'wrong').catch(() => undefined);
    await h.clock.advance(15 * MINUTE);
    await login(h, roleId, 'wrong').catch(() => undefined);
    expect((await login(h, roleId, issued.secretId))?.auth).toBeDefined();
  });

  it('never logs or echoes a presented secret ID', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    const issued = await newSecretId(h, 'web', { num_uses: 1 });
    const presented = 'a-very-secret-wrong-value';
    const errors: unknown[] = [];
    await login(h, roleId, presented).catch((e: unknown) => errors.push(e));
    await login(h, roleId, issued.secretId);
    await login(h, roleId, issued.secretId).catch((e: unknown) => errors.push(e));
    for (const error of errors) {
      const text = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
      expect(text).not.toContain(presented);
      expect(text).not.toContain(issued.secretId);
    }
    expect(h.log.text()).not.toContain(presented);
    expect(h.log.text()).not.toContain(issued.secretId);
  });
});

describe('approle tidy', () => {
  it('removes expired secret IDs and spent markers', async () => {
    const h = await setup();
    await h.call('update', 'role/web', {});
    const roleId = await roleIdOf(h, 'web');
    const short = await newSecretId(h, 'web', { ttl: '1m' });
    const keep = await newSecretId(h, 'web');
    const once = await newSecretId(h, 'web', { num_uses: 1 });
    await login(h, roleId, once.secretId);
    await h.clock.advance(25 * 60 * MINUTE);
    const response = await h.call('update', 'tidy/secret-id');
    expect(response?.status).toBe(202);
    expect((await h.call('list', 'role/web/secret-id'))?.data?.['keys']).toEqual([keep.accessor]);
    await expect(login(h, roleId, short.secretId)).rejects.toMatchObject({
      message: 'invalid role or secret ID',
    });
    const keys = await listRecursive(h.storage);
    expect(keys.filter((k) => k.startsWith('spent/') || k.startsWith('accessor/'))).toEqual([
      `accessor/${keep.accessor}`,
    ]);
  });
});
