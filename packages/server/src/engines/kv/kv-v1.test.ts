import { describe, expect, it } from 'vitest';
import { kvVersionOf } from './backend.ts';
import { kvHarness } from './test-support.ts';

describe('kvVersionOf', () => {
  it.each([
    ['kv', {}, '1'],
    ['kv', { version: '1' }, '1'],
    ['kv', { version: '2' }, '2'],
    ['generic', { version: '2' }, '1'],
  ] as const)('%s %j is version %s', (type, options, version) => {
    expect(kvVersionOf(type, options)).toBe(version);
  });

  it('refuses other versions', () => {
    expect(() => kvVersionOf('kv', { version: '3' })).toThrow(/unsupported KV version/);
  });
});

describe.each(['kv', 'generic'])('KV v1 (mount type %s)', (type) => {
  it('writes arbitrary JSON and reads it back whole', async () => {
    const kv = await kvHarness({ type });
    const secret = { password: 's3cr3t', nested: { a: [1, 2] }, n: 3, ok: true };
    expect(await kv.send('update', 'app/db', secret)).toEqual({
      events: [
        {
          type: 'kv-v1/write',
          path: 'app/db',
          dataPath: 'secret/app/db',
          metadata: { modified: 'true', operation: 'write', path: 'app/db' },
        },
      ],
    });
    const read = await kv.send('read', 'app/db');
    expect(read?.data).toEqual(secret);
    // No lease: the mount's default TTL is advisory, as Vault's refresh_interval.
    expect(read?.topLevel).toEqual({ lease_duration: 2_764_800 });
    expect(read?.secret).toBeUndefined();
  });

  it('a ttl key becomes the advisory lease_duration, and must be a duration', async () => {
    const kv = await kvHarness({ type });
    await kv.send('update', 'cached', { value: 'x', ttl: '1h' });
    expect((await kv.send('read', 'cached'))?.topLevel).toEqual({ lease_duration: 3600 });
    const error = await kv.fail('update', 'cached', { value: 'x', ttl: 'soon-zq9' });
    expect(error.status).toBe(400);
    expect(error.message).not.toContain('zq9');
  });

  it('a write replaces the whole secret', async () => {
    const kv = await kvHarness({ type });
    await kv.send('update', 'a', { one: '1', two: '2' });
    await kv.send('update', 'a', { three: '3' });
    expect((await kv.send('read', 'a'))?.data).toEqual({ three: '3' });
  });

  it('reads of a missing secret are 404 with an empty errors list', async () => {
    const kv = await kvHarness({ type });
    const error = await kv.fail('read', 'missing');
    expect(error.status).toBe(404);
    expect(error.errors).toEqual([]);
    expect(error.data).toBeUndefined();
  });

  it('refuses an empty write and malformed paths with 400', async () => {
    const kv = await kvHarness({ type });
    expect((await kv.fail('update', 'a', {})).status).toBe(400);
    expect((await kv.fail('update', 'a/', { x: '1' })).status).toBe(400);
    expect((await kv.fail('update', 'a//b', { x: '1' })).status).toBe(400);
    expect((await kv.fail('read', '')).status).toBe(400);
  });

  it('lists one level, folders with a trailing slash; a secret and a folder of one name coexist', async () => {
    const kv = await kvHarness({ type });
    await kv.send('update', 'foo', { v: '1' });
    await kv.send('update', 'foo/bar', { v: '2' });
    await kv.send('update', 'foo/baz/qux', { v: '3' });
    await kv.send('update', 'zed', { v: '4' });
    expect((await kv.send('list', ''))?.data).toEqual({ keys: ['foo', 'foo/', 'zed'] });
    expect((await kv.send('list', 'foo/'))?.data).toEqual({ keys: ['bar', 'baz/'] });
    // A folder named without its slash lists the same.
    expect((await kv.send('list', 'foo'))?.data).toEqual({ keys: ['bar', 'baz/'] });
    expect((await kv.send('read', 'foo'))?.data).toEqual({ v: '1' });
    expect((await kv.send('read', 'foo/bar'))?.data).toEqual({ v: '2' });
  });

  it('an empty or missing folder lists as 404 with an empty errors list', async () => {
    const kv = await kvHarness({ type });
    const empty = await kv.fail('list', '');
    expect(empty.status).toBe(404);
    expect(empty.errors).toEqual([]);
    await kv.send('update', 'a', { v: '1' });
    expect((await kv.fail('list', 'a/')).status).toBe(404);
  });

  it('deletes, idempotently, with an event', async () => {
    const kv = await kvHarness({ type });
    await kv.send('update', 'a', { v: '1' });
    expect(await kv.send('delete', 'a')).toEqual({
      events: [
        {
          type: 'kv-v1/delete',
          path: 'a',
          dataPath: 'secret/a',
          metadata: { modified: 'true', operation: 'delete', path: 'a' },
        },
      ],
    });
    expect((await kv.fail('read', 'a')).status).toBe(404);
    await expect(kv.send('delete', 'a')).resolves.toBeDefined();
  });

  it('a write to a new path is a create for the ACL, to an existing one an update', async () => {
    const kv = await kvHarness({ type });
    expect(await kv.writeOperation('a')).toBe('create');
    await kv.send('update', 'a', { v: '1' });
    expect(await kv.writeOperation('a')).toBe('update');
    expect(await kv.writeOperation('a/b')).toBe('create');
  });

  it('never puts a value into an event', async () => {
    const kv = await kvHarness({ type });
    const response = await kv.send('update', 'a', { password: 'hunter2' });
    expect(JSON.stringify(response)).not.toContain('hunter2');
  });

  it('has no PATCH', async () => {
    const kv = await kvHarness({ type });
    expect((await kv.fail('patch', 'a', { v: '1' })).status).toBe(405);
  });
});
