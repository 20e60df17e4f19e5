/**
 * KV-dependent CLI and client tests. They run only when the server has a `kv` engine
 * (`builtinBackends.kv`), which dev mode mounts at `secret/` as version 2.
 */
import { VaultClient, VaultProvider } from '@strongroom/client';
import { builtinBackends } from '@strongroom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tableRows } from './helpers.ts';
import type { TestServer } from './helpers.ts';

const hasKv = builtinBackends.kv !== undefined;

describe.runIf(hasKv)('KV (needs builtinBackends.kv)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('dev mode mounts KV v2 at secret/', async () => {
    const result = await t.cli(['secrets', 'list', '-format=json']);
    expect(JSON.parse(result.stdout)['secret/']).toMatchObject({
      type: 'kv',
      options: { version: '2' },
    });
  });

  it('kv put, get, patch, list, delete, undelete, destroy and metadata on v2', async () => {
    const put = await t.cli(['kv', 'put', 'secret/app', 'user=alice', 'password=s3cret']);
    expect(put.code).toBe(0);
    expect(put.stdout).toContain('secret/data/app');
    expect(tableRows(put.stdout).get('version')).toBe('1');

    const get = await t.cli(['kv', 'get', 'secret/app']);
    expect(get.code).toBe(0);
    expect(tableRows(get.stdout).get('password')).toBe('s3cret');
    expect((await t.cli(['kv', 'get', '-field=user', 'secret/app'])).stdout).toBe('alice');
    expect((await t.cli(['kv', 'get', '-mount=secret', '-field=user', 'app'])).stdout).toBe(
      'alice',
    );

    expect((await t.cli(['kv', 'patch', 'secret/app', 'user=bob'])).code).toBe(0);
    const v2 = JSON.parse((await t.cli(['kv', 'get', '-format=json', 'secret/app'])).stdout);
    expect(v2.data.data).toEqual({ user: 'bob', password: 's3cret' });
    expect(v2.data.metadata.version).toBe(2);
    expect((await t.cli(['kv', 'get', '-version=1', '-field=user', 'secret/app'])).stdout).toBe(
      'alice',
    );

    expect((await t.cli(['kv', 'list', 'secret/'])).stdout.split('\n')).toContain('app');

    expect((await t.cli(['kv', 'delete', 'secret/app'])).code).toBe(0);
    const deleted = await t.cli(['kv', 'get', 'secret/app']);
    expect(deleted.code).toBe(2);
    expect((await t.cli(['kv', 'undelete', '-versions=2', 'secret/app'])).code).toBe(0);
    expect((await t.cli(['kv', 'get', '-field=user', 'secret/app'])).stdout).toBe('bob');
    expect((await t.cli(['kv', 'destroy', '-versions=1', 'secret/app'])).code).toBe(0);

    const metadata = await t.cli(['kv', 'metadata', 'get', 'secret/app']);
    expect(metadata.code).toBe(0);
    expect(metadata.stdout).toContain('Version 1');
    expect(tableRows(metadata.stdout).get('current_version')).toBe('2');

    expect((await t.cli(['kv', 'metadata', 'delete', 'secret/app'])).code).toBe(0);
    expect((await t.cli(['kv', 'get', 'secret/app'])).code).toBe(2);
  });

  it('KV v1: secrets enable -version=1, put, get, list, delete', async () => {
    expect((await t.cli(['secrets', 'enable', '-path=kv1', '-version=1', 'kv'])).code).toBe(0);
    expect((await t.cli(['kv', 'put', 'kv1/app', 'a=1'])).stdout).toBe(
      'Success! Data written to: kv1/app\n',
    );
    expect((await t.cli(['kv', 'get', '-field=a', 'kv1/app'])).stdout).toBe('1');
    expect((await t.cli(['kv', 'list', 'kv1'])).stdout.split('\n')).toContain('app');
    expect((await t.cli(['kv', 'patch', 'kv1/app', 'a=2'])).code).toBe(1);
    expect((await t.cli(['kv', 'delete', 'kv1/app'])).code).toBe(0);
    expect((await t.cli(['kv', 'get', 'kv1/app'])).code).toBe(2);
    expect((await t.cli(['secrets', 'disable', 'kv1'])).code).toBe(0);
  });

  it('generic write, read, list, delete on a KV v2 mount', async () => {
    expect(
      (await t.cli(['write', 'secret/data/generic', '-'], { stdin: '{"data":{"k":"v"}}' })).code,
    ).toBe(0);
    expect(
      JSON.parse((await t.cli(['read', '-format=json', 'secret/data/generic'])).stdout).data.data,
    ).toEqual({
      k: 'v',
    });
    expect((await t.cli(['list', 'secret/metadata'])).stdout.split('\n')).toContain('generic');
    expect((await t.cli(['delete', 'secret/metadata/generic'])).code).toBe(0);
  });

  it('run injects KV fields', async () => {
    await t.cli(['kv', 'put', 'secret/env', 'db_password=pw', 'api-key=k']);
    const result = await t.cli([
      'run',
      '-path=secret/env',
      '--',
      process.execPath,
      '-e',
      'process.stdout.write(process.env.DB_PASSWORD + "," + process.env.API_KEY)',
    ]);
    expect(result).toMatchObject({ code: 0, stdout: 'pw,k' });
  });

  it('VaultProvider reads KV v2 with its version, and KV helpers round-trip', async () => {
    const client = new VaultClient({ address: t.address, token: 'root' });
    await client.kv.put('secret/provider', { a: '1' });
    await client.kv.put('secret/provider', { a: '2' });
    const provider = new VaultProvider({ client });
    await expect(
      provider.fetch('secret/provider', { signal: new AbortController().signal }),
    ).resolves.toEqual({
      value: { a: '2' },
      version: '2',
    });
    await expect(client.kv.list('secret/')).resolves.toContain('provider');
  });
});
