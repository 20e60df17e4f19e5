import { describe, expect, it } from 'vitest';
import { START_MS, kvHarness } from './test-support.ts';
import type { KvHarness } from './test-support.ts';

const MERGE = { contentType: 'application/merge-patch+json' };
const T0 = '2024-01-02T03:04:05.678Z';

const v2 = (): Promise<KvHarness> => kvHarness({ version: '2' });

async function put(kv: KvHarness, path: string, data: Record<string, unknown>, cas?: number) {
  return kv.send('update', `data/${path}`, {
    data,
    ...(cas === undefined ? {} : { options: { cas } }),
  });
}

describe('KV v2 config', () => {
  it('reads defaults, writes only the fields sent, and announces config-write', async () => {
    const kv = await v2();
    expect((await kv.send('read', 'config'))?.data).toEqual({
      cas_required: false,
      delete_version_after: '0s',
      max_versions: 0,
    });
    const written = await kv.send('update', 'config', {
      max_versions: 5,
      delete_version_after: '3h25m19s',
    });
    expect(written?.data).toBeUndefined();
    expect(written?.events?.[0]).toMatchObject({
      type: 'kv-v2/config-write',
      dataPath: 'secret/config',
    });
    await kv.send('update', 'config', { cas_required: true });
    expect((await kv.send('read', 'config'))?.data).toEqual({
      cas_required: true,
      delete_version_after: '3h25m19s',
      max_versions: 5,
    });
  });

  it('refuses bad values with 400', async () => {
    const kv = await v2();
    expect((await kv.fail('update', 'config', { max_versions: -1 })).status).toBe(400);
    expect((await kv.fail('update', 'config', { max_versions: 'many' })).status).toBe(400);
    expect((await kv.fail('update', 'config', { delete_version_after: 'later' })).status).toBe(400);
    expect((await kv.fail('update', 'config', { cas_required: 'maybe' })).status).toBe(400);
  });
});

describe('KV v2 data', () => {
  it('writes versions and reads the latest or a given one, with Vault’s shapes', async () => {
    const kv = await v2();
    const first = await put(kv, 'app/db', { password: 'one' });
    expect(first?.data).toEqual({
      created_time: T0,
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 1,
    });
    await kv.clock.advance(1000);
    const second = await put(kv, 'app/db', { password: 'two', user: 'app' });
    expect(second?.data).toMatchObject({ version: 2, created_time: '2024-01-02T03:04:06.678Z' });

    expect((await kv.send('read', 'data/app/db'))?.data).toEqual({
      data: { password: 'two', user: 'app' },
      metadata: {
        created_time: '2024-01-02T03:04:06.678Z',
        custom_metadata: null,
        deletion_time: '',
        destroyed: false,
        version: 2,
      },
    });
    const old = await kv.send('read', 'data/app/db', { version: '1' });
    expect(old?.data).toEqual({
      data: { password: 'one' },
      metadata: {
        created_time: T0,
        custom_metadata: null,
        deletion_time: '',
        destroyed: false,
        version: 1,
      },
    });
  });

  it('announces data-write with the version, never the value', async () => {
    const kv = await v2();
    const response = await put(kv, 'app/db', { password: 'hunter2' });
    expect(response?.events).toEqual([
      {
        type: 'kv-v2/data-write',
        path: 'app/db',
        dataPath: 'secret/data/app/db',
        version: 1,
        metadata: {
          modified: 'true',
          operation: 'data-write',
          path: 'data/app/db',
          data_path: 'secret/data/app/db',
          current_version: '1',
          oldest_version: '0',
        },
      },
    ]);
    expect(JSON.stringify(response)).not.toContain('hunter2');
  });

  it('answers 404 with an empty errors list for a missing secret or version', async () => {
    const kv = await v2();
    const missing = await kv.fail('read', 'data/nope');
    expect([missing.status, missing.errors, missing.data]).toEqual([404, [], undefined]);
    await put(kv, 'a', { v: '1' });
    const noVersion = await kv.fail('read', 'data/a', { version: 7 });
    expect([noVersion.status, noVersion.errors, noVersion.data]).toEqual([404, [], undefined]);
    expect((await kv.fail('read', 'data/a', { version: -1 })).status).toBe(400);
    expect((await kv.fail('read', 'data/a', { version: 'latest' })).status).toBe(400);
  });

  it('refuses writes without data or with non-object data', async () => {
    const kv = await v2();
    expect((await kv.fail('update', 'data/a', {})).status).toBe(400);
    expect((await kv.fail('update', 'data/a', { data: 'text' })).status).toBe(400);
    expect((await kv.fail('update', 'data/a', { data: [1] })).status).toBe(400);
    expect((await kv.fail('update', 'data/a/', { data: {} })).status).toBe(400);
  });

  it('warns about unknown parameters on writes', async () => {
    const kv = await v2();
    const response = await kv.send('update', 'data/a', { data: { v: '1' }, bogus: true });
    expect(response?.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [bogus]']);
  });

  it('a write to a new secret is a create for the ACL; to one with metadata an update', async () => {
    const kv = await v2();
    expect(await kv.writeOperation('data/a')).toBe('create');
    expect(await kv.writeOperation('metadata/a')).toBe('create');
    await put(kv, 'a', { v: '1' });
    expect(await kv.writeOperation('data/a')).toBe('update');
    expect(await kv.writeOperation('metadata/a')).toBe('update');
    // Still an update once every version is deleted: the metadata remains.
    await kv.send('delete', 'data/a');
    expect(await kv.writeOperation('data/a')).toBe('update');
    // Metadata written on its own makes the key exist.
    await kv.send('update', 'metadata/b', { max_versions: 2 });
    expect(await kv.writeOperation('data/b')).toBe('update');
    // Version operations are plain updates, as in Vault.
    expect(await kv.writeOperation('delete/zzz')).toBe('update');
    expect(await kv.writeOperation('config')).toBe('update');
  });
});

describe('KV v2 check-and-set', () => {
  it('cas must match the current version; 0 means "must not exist yet"', async () => {
    const kv = await v2();
    await put(kv, 'a', { v: '1' }, 0);
    const again = await kv.fail('update', 'data/a', { data: { v: '2' }, options: { cas: 0 } });
    expect([again.status, again.code]).toEqual([400, 'check_and_set']);
    expect(again.errors).toEqual(['check-and-set parameter did not match the current version']);
    expect((await put(kv, 'a', { v: '2' }, 1))?.data).toMatchObject({ version: 2 });
    expect((await kv.fail('update', 'data/a', { data: {}, options: { cas: 1 } })).status).toBe(400);
    // cas as a string is coerced; a negative or non-integer one is refused.
    expect((await put(kv, 'a', { v: '3' }, '2' as unknown as number))?.data).toMatchObject({
      version: 3,
    });
    expect((await kv.fail('update', 'data/a', { data: {}, options: { cas: -1 } })).status).toBe(
      400,
    );
    expect((await kv.fail('update', 'data/a', { data: {}, options: { cas: 'x' } })).status).toBe(
      400,
    );
  });

  it('cas_required on the engine demands cas on every write', async () => {
    const kv = await v2();
    await kv.send('update', 'config', { cas_required: true });
    const error = await kv.fail('update', 'data/a', { data: { v: '1' } });
    expect([error.status, error.errors]).toEqual([
      400,
      ['check-and-set parameter required for this call'],
    ]);
    expect((await put(kv, 'a', { v: '1' }, 0))?.data).toMatchObject({ version: 1 });
  });

  it('cas_required on a key demands cas on that key only', async () => {
    const kv = await v2();
    await kv.send('update', 'metadata/locked', { cas_required: true });
    expect((await kv.fail('update', 'data/locked', { data: { v: '1' } })).status).toBe(400);
    expect((await put(kv, 'locked', { v: '1' }, 0))?.data).toMatchObject({ version: 1 });
    expect((await put(kv, 'free', { v: '1' }))?.data).toMatchObject({ version: 1 });
  });

  it('a soft-deleted latest version still counts as the current version', async () => {
    const kv = await v2();
    await put(kv, 'a', { v: '1' });
    await kv.send('delete', 'data/a');
    expect((await kv.fail('update', 'data/a', { data: {}, options: { cas: 0 } })).status).toBe(400);
    expect((await put(kv, 'a', { v: '2' }, 1))?.data).toMatchObject({ version: 2 });
  });

  it('serialises concurrent writes: each cas succeeds once', async () => {
    const kv = await v2();
    await put(kv, 'race', { v: '0' });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => put(kv, 'race', { v: String(i) }, 1)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const plain = await Promise.all(Array.from({ length: 5 }, () => put(kv, 'race', { v: 'x' })));
    expect(plain.map((r) => (r?.data as { version: number }).version).sort()).toEqual([
      3, 4, 5, 6, 7,
    ]);
  });
});

describe('KV v2 max_versions', () => {
  it('keeps ten versions by default', async () => {
    const kv = await v2();
    for (let i = 1; i <= 12; i++) await put(kv, 'a', { v: String(i) });
    const meta = (await kv.send('read', 'metadata/a'))?.data as Record<string, unknown>;
    expect(Object.keys(meta.versions as object)).toEqual([
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
      '12',
    ]);
    expect(meta.oldest_version).toBe(3);
    expect(meta.current_version).toBe(12);
    expect((await kv.fail('read', 'data/a', { version: 2 })).status).toBe(404);
    expect((await kv.send('read', 'data/a', { version: 3 }))?.data).toMatchObject({
      data: { v: '3' },
    });
    // The trimmed version's data is gone from storage, not only from the metadata.
    const folders = await kv.storage.list('versions/');
    expect(folders).toHaveLength(1);
    expect(await kv.storage.list(`versions/${folders[0]!}`)).toHaveLength(10);
  });

  it('honours the engine setting and the key setting, the key first', async () => {
    const kv = await v2();
    await kv.send('update', 'config', { max_versions: 3 });
    for (let i = 1; i <= 5; i++) await put(kv, 'a', { v: String(i) });
    let meta = (await kv.send('read', 'metadata/a'))?.data as Record<string, unknown>;
    expect(Object.keys(meta.versions as object)).toEqual(['3', '4', '5']);
    await kv.send('update', 'metadata/b', { max_versions: 1 });
    await put(kv, 'b', { v: '1' });
    await put(kv, 'b', { v: '2' });
    meta = (await kv.send('read', 'metadata/b'))?.data as Record<string, unknown>;
    expect(Object.keys(meta.versions as object)).toEqual(['2']);
    expect(meta.max_versions).toBe(1);
  });

  it('lowering a key’s max_versions destroys the surplus at once', async () => {
    const kv = await v2();
    for (let i = 1; i <= 4; i++) await put(kv, 'a', { v: String(i) });
    await kv.send('update', 'metadata/a', { max_versions: 2 });
    const meta = (await kv.send('read', 'metadata/a'))?.data as Record<string, unknown>;
    expect(Object.keys(meta.versions as object)).toEqual(['3', '4']);
    expect(meta.oldest_version).toBe(3);
  });
});

describe('KV v2 delete_version_after', () => {
  it('schedules deletion at write time and honours it at read time', async () => {
    const kv = await v2();
    await kv.send('update', 'config', { delete_version_after: '1h' });
    const written = await put(kv, 'a', { v: '1' });
    expect(written?.data).toMatchObject({ deletion_time: '2024-01-02T04:04:05.678Z' });
    await kv.clock.advance(3_599_999);
    expect((await kv.send('read', 'data/a'))?.data).toMatchObject({ data: { v: '1' } });
    await kv.clock.advance(1);
    const gone = await kv.fail('read', 'data/a');
    expect(gone.status).toBe(404);
    expect(gone.errors).toEqual([]);
    expect(gone.data).toEqual({
      data: null,
      metadata: {
        created_time: T0,
        custom_metadata: null,
        deletion_time: '2024-01-02T04:04:05.678Z',
        destroyed: false,
        version: 1,
      },
    });
  });

  it('uses the shorter of the key’s and the engine’s setting', async () => {
    const kv = await v2();
    await kv.send('update', 'config', { delete_version_after: '1h' });
    await kv.send('update', 'metadata/a', { delete_version_after: '10m' });
    const written = await put(kv, 'a', { v: '1' });
    expect(written?.data).toMatchObject({ deletion_time: '2024-01-02T03:14:05.678Z' });
    const meta = (await kv.send('read', 'metadata/a'))?.data as Record<string, unknown>;
    expect(meta.delete_version_after).toBe('10m0s');
  });

  it('undelete of an auto-deleted version schedules it afresh', async () => {
    const kv = await v2();
    await kv.send('update', 'metadata/a', { delete_version_after: 60 });
    await put(kv, 'a', { v: '1' });
    await kv.clock.advance(120_000);
    expect((await kv.fail('read', 'data/a')).status).toBe(404);
    await kv.send('update', 'undelete/a', { versions: [1] });
    expect((await kv.send('read', 'data/a'))?.data).toMatchObject({
      metadata: { deletion_time: '2024-01-02T03:07:05.678Z' },
    });
  });
});

describe('KV v2 patch', () => {
  it('merges into the latest version as a new version', async () => {
    const kv = await v2();
    await put(kv, 'a', { keep: 'k', drop: 'd', nested: { x: '1', y: '2' } });
    const patched = await kv.send(
      'patch',
      'data/a',
      { data: { drop: null, nested: { y: null, z: '3' }, added: 'n' } },
      MERGE,
    );
    expect(patched?.data).toMatchObject({ version: 2, deletion_time: '', destroyed: false });
    expect(patched?.events?.[0]).toMatchObject({
      type: 'kv-v2/data-patch',
      version: 2,
      dataPath: 'secret/data/a',
    });
    expect((await kv.send('read', 'data/a'))?.data).toMatchObject({
      data: { keep: 'k', nested: { x: '1', z: '3' }, added: 'n' },
    });
  });

  it('needs application/merge-patch+json (415 otherwise)', async () => {
    const kv = await v2();
    await put(kv, 'a', { v: '1' });
    const error = await kv.fail(
      'patch',
      'data/a',
      { data: { v: '2' } },
      {
        contentType: 'application/json',
      },
    );
    expect([error.status, error.code]).toEqual([415, 'unsupported_media_type']);
    expect((await kv.fail('patch', 'data/a', { data: { v: '2' } })).status).toBe(415);
  });

  it('answers 404 for a missing, deleted or destroyed secret', async () => {
    const kv = await v2();
    const missing = await kv.fail('patch', 'data/a', { data: { v: '2' } }, MERGE);
    expect([missing.status, missing.errors]).toEqual([404, []]);
    await put(kv, 'a', { v: '1' });
    await kv.send('delete', 'data/a');
    expect((await kv.fail('patch', 'data/a', { data: { v: '2' } }, MERGE)).status).toBe(404);
    await put(kv, 'b', { v: '1' });
    await kv.send('update', 'destroy/b', { versions: [1] });
    expect((await kv.fail('patch', 'data/b', { data: { v: '2' } }, MERGE)).status).toBe(404);
  });

  it('enforces check-and-set and requires data', async () => {
    const kv = await v2();
    await put(kv, 'a', { v: '1' });
    expect(
      (await kv.fail('patch', 'data/a', { data: { v: '2' }, options: { cas: 0 } }, MERGE)).code,
    ).toBe('check_and_set');
    expect(
      (await kv.send('patch', 'data/a', { data: { v: '2' }, options: { cas: 1 } }, MERGE))?.data,
    ).toMatchObject({ version: 2 });
    await kv.send('update', 'config', { cas_required: true });
    expect((await kv.fail('patch', 'data/a', { data: { v: '3' } }, MERGE)).code).toBe(
      'check_and_set',
    );
    expect((await kv.fail('patch', 'data/a', {}, MERGE)).status).toBe(400);
  });
});

describe('KV v2 delete, undelete, destroy', () => {
  it('DELETE data/<path> soft-deletes the latest version; reads then carry metadata', async () => {
    const kv = await v2();
    await put(kv, 'a', { v: '1' });
    await put(kv, 'a', { v: '2' });
    await kv.clock.advance(5000);
    const deleted = await kv.send('delete', 'data/a');
    expect(deleted?.data).toBeUndefined();
    expect(deleted?.events).toEqual([
      expect.objectContaining({ type: 'kv-v2/data-delete', version: 2, path: 'a' }),
    ]);
    const gone = await kv.fail('read', 'data/a');
    expect([gone.status, gone.errors]).toEqual([404, []]);
    expect(gone.data).toEqual({
      data: null,
      metadata: {
        created_time: T0,
        custom_metadata: null,
        deletion_time: '2024-01-02T03:04:10.678Z',
        destroyed: false,
        version: 2,
      },
    });
    // Older versions stay readable; deleting again or deleting nothing is a quiet success.
    expect((await kv.send('read', 'data/a', { version: 1 }))?.data).toMatchObject({
      data: { v: '1' },
    });
    expect(await kv.send('delete', 'data/a')).toBeUndefined();
    expect(await kv.send('delete', 'data/never')).toBeUndefined();
  });

  it('delete/<path> soft-deletes the named versions and undelete restores them', async () => {
    const kv = await v2();
    for (let i = 1; i <= 3; i++) await put(kv, 'a', { v: String(i) });
    const deleted = await kv.send('update', 'delete/a', { versions: [1, 3, 42] });
    expect(deleted?.events?.[0]).toMatchObject({
      type: 'kv-v2/delete',
      path: 'a',
      dataPath: 'secret/data/a',
      metadata: { versions: '[1,3]', current_version: '3' },
    });
    expect((await kv.fail('read', 'data/a', { version: 1 })).status).toBe(404);
    expect((await kv.fail('read', 'data/a')).status).toBe(404);
    expect((await kv.send('read', 'data/a', { version: 2 }))?.data).toMatchObject({
      data: { v: '2' },
    });
    const restored = await kv.send('update', 'undelete/a', { versions: '1,3' });
    expect(restored?.events?.[0]).toMatchObject({
      type: 'kv-v2/undelete',
      metadata: { versions: '[1,3]' },
    });
    expect((await kv.send('read', 'data/a'))?.data).toMatchObject({
      data: { v: '3' },
      metadata: { deletion_time: '' },
    });
    expect((await kv.send('read', 'data/a', { version: 1 }))?.data).toMatchObject({
      data: { v: '1' },
    });
  });

  it('destroy removes the data for good; undelete cannot bring it back', async () => {
    const kv = await v2();
    await put(kv, 'a', { v: '1' });
    await put(kv, 'a', { v: '2' });
    const destroyed = await kv.send('update', 'destroy/a', { versions: ['2'] });
    expect(destroyed?.events?.[0]).toMatchObject({
      type: 'kv-v2/destroy',
      metadata: { versions: '[2]' },
    });
    const gone = await kv.fail('read', 'data/a');
    expect(gone.status).toBe(404);
    expect(gone.data).toMatchObject({ data: null, metadata: { destroyed: true, version: 2 } });
    await kv.send('update', 'undelete/a', { versions: [2] });
    expect((await kv.fail('read', 'data/a')).status).toBe(404);
    const meta = (await kv.send('read', 'metadata/a'))?.data as Record<string, unknown>;
    expect(meta.versions).toMatchObject({ '2': { destroyed: true } });
    const folders = await kv.storage.list('versions/');
    expect(await kv.storage.list(`versions/${folders[0]!}`)).toEqual(['1']);
  });

  it('needs versions (400) and succeeds on a secret that does not exist', async () => {
    const kv = await v2();
    for (const op of ['delete', 'undelete', 'destroy']) {
      const error = await kv.fail('update', `${op}/a`, {});
      expect([error.status, error.errors]).toEqual([400, ['no version number provided']]);
      expect((await kv.fail('update', `${op}/a`, { versions: ['x'] })).status).toBe(400);
      expect((await kv.fail('update', `${op}/a`, { versions: [-1] })).status).toBe(400);
      expect(await kv.send('update', `${op}/a`, { versions: [1] })).toBeUndefined();
    }
  });
});

describe('KV v2 metadata', () => {
  it('reads every field Vault returns', async () => {
    const kv = await v2();
    await put(kv, 'a', { v: '1' });
    await kv.clock.advance(2000);
    await put(kv, 'a', { v: '2' });
    expect((await kv.send('read', 'metadata/a'))?.data).toEqual({
      cas_required: false,
      created_time: T0,
      current_version: 2,
      custom_metadata: null,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: '2024-01-02T03:04:07.678Z',
      versions: {
        '1': { created_time: T0, deletion_time: '', destroyed: false },
        '2': { created_time: '2024-01-02T03:04:07.678Z', deletion_time: '', destroyed: false },
      },
    });
  });

  it('write creates metadata without a version, changes only what is sent, announces it', async () => {
    const kv = await v2();
    const written = await kv.send('update', 'metadata/a', {
      max_versions: 5,
      cas_required: true,
      delete_version_after: '3h25m19s',
      custom_metadata: { owner: 'jdoe', mission_critical: 'false' },
    });
    expect(written?.data).toBeUndefined();
    expect(written?.events?.[0]).toMatchObject({
      type: 'kv-v2/metadata-write',
      path: 'a',
      dataPath: 'secret/metadata/a',
      metadata: { operation: 'metadata-write', path: 'metadata/a' },
    });
    await kv.send('update', 'metadata/a', { max_versions: 6 });
    expect((await kv.send('read', 'metadata/a'))?.data).toMatchObject({
      cas_required: true,
      current_version: 0,
      custom_metadata: { owner: 'jdoe', mission_critical: 'false' },
      delete_version_after: '3h25m19s',
      max_versions: 6,
      versions: {},
    });
    expect((await kv.fail('read', 'data/a')).status).toBe(404);
    // Custom metadata shows up on data reads and writes.
    await put(kv, 'a', { v: '1' }, 0);
    expect((await kv.send('read', 'data/a'))?.data).toMatchObject({
      metadata: { custom_metadata: { owner: 'jdoe', mission_critical: 'false' } },
    });
  });

  it('refuses invalid metadata with 400', async () => {
    const kv = await v2();
    const bad: Record<string, unknown>[] = [
      { max_versions: -1 },
      { delete_version_after: 'soon' },
      { custom_metadata: { n: 1 } },
      { custom_metadata: { '': 'x' } },
      { custom_metadata: { k: 'v'.repeat(513) } },
      { custom_metadata: { ['k'.repeat(129)]: 'v' } },
      { custom_metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
      { custom_metadata: 'text' },
    ];
    for (const body of bad) {
      expect((await kv.fail('update', 'metadata/a', body)).status).toBe(400);
    }
    expect((await kv.fail('read', 'metadata/')).status).toBe(400);
  });

  it('patch merges custom_metadata key by key and resets nulled settings', async () => {
    const kv = await v2();
    await kv.send('update', 'metadata/a', {
      max_versions: 5,
      cas_required: true,
      custom_metadata: { a: '1', b: '2' },
    });
    const patched = await kv.send(
      'patch',
      'metadata/a',
      { custom_metadata: { b: null, c: '3' }, cas_required: null, max_versions: 7 },
      MERGE,
    );
    expect(patched?.events?.[0]).toMatchObject({ type: 'kv-v2/metadata-patch' });
    expect((await kv.send('read', 'metadata/a'))?.data).toMatchObject({
      custom_metadata: { a: '1', c: '3' },
      cas_required: false,
      max_versions: 7,
    });
    await kv.send('patch', 'metadata/a', { custom_metadata: null }, MERGE);
    expect((await kv.send('read', 'metadata/a'))?.data).toMatchObject({ custom_metadata: null });
  });

  it('patch needs merge-patch (415) and an existing entry (404)', async () => {
    const kv = await v2();
    expect((await kv.fail('patch', 'metadata/a', { max_versions: 1 }, MERGE)).status).toBe(404);
    await kv.send('update', 'metadata/a', { max_versions: 1 });
    expect((await kv.fail('patch', 'metadata/a', { max_versions: 2 })).status).toBe(415);
    expect(
      (await kv.fail('patch', 'metadata/a', { custom_metadata: { k: 5 } }, MERGE)).status,
    ).toBe(400);
  });

  it('delete removes every version and the metadata, idempotently', async () => {
    const kv = await v2();
    await put(kv, 'a', { v: '1' });
    await put(kv, 'a', { v: '2' });
    await put(kv, 'a/child', { v: 'c' });
    const deleted = await kv.send('delete', 'metadata/a');
    expect(deleted?.events?.[0]).toMatchObject({
      type: 'kv-v2/metadata-delete',
      dataPath: 'secret/metadata/a',
      metadata: { current_version: '2' },
    });
    expect((await kv.fail('read', 'metadata/a')).status).toBe(404);
    expect((await kv.fail('read', 'data/a', { version: 1 })).status).toBe(404);
    expect(await kv.storage.list('versions/')).toHaveLength(1);
    // A secret below the deleted one is untouched.
    expect((await kv.send('read', 'data/a/child'))?.data).toMatchObject({ data: { v: 'c' } });
    expect(await kv.send('delete', 'metadata/a')).toBeUndefined();
    // A fresh write starts again at version 1.
    expect((await put(kv, 'a', { v: 'new' }))?.data).toMatchObject({ version: 1 });
  });

  it('lists one level with folders, secrets with only deleted versions included', async () => {
    const kv = await v2();
    await put(kv, 'foo', { v: '1' });
    await put(kv, 'foo/bar', { v: '2' });
    await put(kv, 'foo/baz/qux', { v: '3' });
    await kv.send('update', 'metadata/meta-only', { max_versions: 1 });
    await put(kv, 'deleted', { v: '1' });
    await kv.send('delete', 'data/deleted');
    for (const root of ['metadata/', 'metadata']) {
      expect((await kv.send('list', root))?.data).toEqual({
        keys: ['deleted', 'foo', 'foo/', 'meta-only'],
      });
    }
    expect((await kv.send('list', 'metadata/foo/'))?.data).toEqual({ keys: ['bar', 'baz/'] });
    expect((await kv.send('list', 'metadata/foo'))?.data).toEqual({ keys: ['bar', 'baz/'] });
    const empty = await kv.fail('list', 'metadata/nothing/');
    expect([empty.status, empty.errors]).toEqual([404, []]);
  });

  it('an empty mount lists as 404', async () => {
    const kv = await v2();
    expect((await kv.fail('list', 'metadata/')).status).toBe(404);
  });
});

describe('KV v2 subkeys', () => {
  it('answers the shape of a version without values, to a depth', async () => {
    const kv = await v2();
    await put(kv, 'a', { foo: 'abc', bar: { baz: 'def', deep: { x: 'y' } }, quux: {} });
    await put(kv, 'a', { only: 'v2' });
    const all = await kv.send('read', 'subkeys/a', { version: '1' });
    expect(all?.data).toEqual({
      subkeys: { foo: null, bar: { baz: null, deep: { x: null } }, quux: null },
      metadata: {
        created_time: T0,
        custom_metadata: null,
        deletion_time: '',
        destroyed: false,
        version: 1,
      },
    });
    expect(JSON.stringify(all)).not.toContain('abc');
    expect((await kv.send('read', 'subkeys/a', { version: 1, depth: '1' }))?.data).toMatchObject({
      subkeys: { foo: null, bar: null, quux: null },
    });
    expect((await kv.send('read', 'subkeys/a', { version: 1, depth: 2 }))?.data).toMatchObject({
      subkeys: { foo: null, bar: { baz: null, deep: null }, quux: null },
    });
    expect((await kv.send('read', 'subkeys/a'))?.data).toMatchObject({
      subkeys: { only: null },
      metadata: { version: 2 },
    });
  });

  it('answers 404 as data reads do, and 400 for a negative depth', async () => {
    const kv = await v2();
    expect((await kv.fail('read', 'subkeys/a')).errors).toEqual([]);
    await put(kv, 'a', { v: '1' });
    await kv.send('delete', 'data/a');
    const gone = await kv.fail('read', 'subkeys/a');
    expect(gone.status).toBe(404);
    expect(gone.data).toMatchObject({ subkeys: null, metadata: { version: 1 } });
    expect((await kv.fail('read', 'subkeys/a', { depth: -1 })).status).toBe(400);
  });
});

describe('KV v2 routing', () => {
  it('answers 404 for paths outside the versioned API, with a hint', async () => {
    const kv = await v2();
    const error = await kv.fail('read', 'app/db');
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/versioned K\/V/);
    expect((await kv.fail('update', 'app/db', { v: '1' })).status).toBe(404);
    expect((await kv.fail('read', 'data/')).status).toBe(404);
  });

  it('answers 405 for operations a path does not have', async () => {
    const kv = await v2();
    expect((await kv.fail('delete', 'config')).status).toBe(405);
    expect((await kv.fail('list', 'data/a')).status).toBe(405);
    expect((await kv.fail('read', 'delete/a')).status).toBe(405);
    expect((await kv.fail('update', 'subkeys/a', {})).status).toBe(405);
  });

  it('answers help from the path declarations', async () => {
    const kv = await v2();
    const help = await kv.backend.handleRequest(kv.context('help', 'data/a'));
    expect(help?.data).toMatchObject({ operations: ['read', 'update', 'patch', 'delete'] });
  });

  it('keeps every time on the injected clock', async () => {
    const kv = await v2();
    await kv.clock.advanceTo(START_MS + 86_400_000);
    expect((await put(kv, 'a', { v: '1' }))?.data).toMatchObject({
      created_time: '2024-01-03T03:04:05.678Z',
    });
  });
});
