import { describe, expect, it } from 'vitest';
import { errorStrings, listKeys, toEnvelope } from './envelope.ts';
import { kvMountFrom } from './kv-api.ts';
import { buildUrl, joinPath, kvV2Path, mountPathOf, normalizeApiPath } from './paths.ts';
import { mountTable } from './sys-api.ts';
import { tokenCreateBody } from './token-api.ts';

describe('paths', () => {
  it.each([
    ['/secret//app', 'secret/app'],
    ['secret/app/', 'secret/app/'],
    ['///sys/mounts', 'sys/mounts'],
  ])('normalizes %s', (input, expected) => {
    expect(normalizeApiPath(input)).toBe(expected);
  });

  it('builds URLs under /v1 with encoded segments and query values', () => {
    const url = buildUrl('http://127.0.0.1:8200/', '/secret/a b/50%?x', {
      version: 3,
      list: true,
      skip: undefined,
      keys: ['a', 'b'],
    });
    expect(url.pathname).toBe('/v1/secret/a%20b/50%25%3Fx');
    expect(url.search).toBe('?version=3&list=true&keys=a&keys=b');
  });

  it('joins parts with single slashes', () => {
    expect(joinPath('secret/', '/app/', '', 'db')).toBe('secret/app/db');
    expect(mountPathOf('secret')).toBe('secret/');
    expect(mountPathOf('/secret//')).toBe('secret/');
  });

  it.each([
    ['secret/', 'data', 'secret/app', 'secret/data/app'],
    ['secret/', 'data', 'secret/app/db', 'secret/data/app/db'],
    ['secret/', 'metadata', 'secret', 'secret/metadata'],
    ['secret/', 'metadata', 'secret/', 'secret/metadata'],
    ['secret/', 'metadata', 'secret/team/', 'secret/metadata/team/'],
    ['team/kv/', 'destroy', 'team/kv/x', 'team/kv/destroy/x'],
    ['secret', 'data', 'app', 'secret/data/app'],
  ] as const)('KV v2 path on %s with %s for %s', (mount, prefix, path, expected) => {
    expect(kvV2Path(mount, prefix, path)).toBe(expected);
  });
});

describe('envelope parsing', () => {
  it('fills every missing envelope field', () => {
    expect(toEnvelope({ data: { a: 1 } })).toEqual({
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: { a: 1 },
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: '',
    });
    expect(toEnvelope([1])).toBeUndefined();
    expect(toEnvelope('x')).toBeUndefined();
  });

  it('reads error strings and list keys defensively', () => {
    expect(errorStrings({ errors: ['a', 2, 'b'] })).toEqual(['a', 'b']);
    expect(errorStrings({})).toEqual([]);
    expect(errorStrings(undefined)).toEqual([]);
    expect(listKeys(toEnvelope({ data: { keys: ['a', 'b/', 3] } }))).toEqual(['a', 'b/']);
    expect(listKeys(undefined)).toEqual([]);
  });

  it('reads mount tables from data or from the top level', () => {
    const entry = { type: 'kv', description: 'd', accessor: 'kv_1', options: { version: '2' } };
    expect(mountTable({ data: { 'secret/': entry } })['secret/']?.options).toEqual({
      version: '2',
    });
    expect(Object.keys(mountTable({ 'secret/': entry, request_id: 'x' }))).toEqual(['secret/']);
    expect(mountTable({ data: { 'x/': { type: 'kv', options: null } } })['x/']).toMatchObject({
      description: '',
      accessor: '',
      options: null,
    });
  });

  it('detects the KV version from sys/internal/ui/mounts', () => {
    expect(
      kvMountFrom(toEnvelope({ data: { path: 'secret/', type: 'kv', options: { version: '2' } } })),
    ).toEqual({ path: 'secret/', type: 'kv', version: 2 });
    expect(kvMountFrom(toEnvelope({ data: { path: 'kv', type: 'kv', options: null } }))).toEqual({
      path: 'kv/',
      type: 'kv',
      version: 1,
    });
    expect(kvMountFrom(undefined)).toEqual({ path: '', type: '', version: 1 });
  });

  it('maps token options to API field names', () => {
    expect(
      tokenCreateBody({
        policies: ['a'],
        ttl: '1h',
        explicitMaxTtl: 7200,
        period: '30m',
        displayName: 'ci',
        numUses: 3,
        meta: { team: 'x' },
      }),
    ).toEqual({
      policies: ['a'],
      ttl: '1h',
      explicit_max_ttl: 7200,
      period: '30m',
      display_name: 'ci',
      num_uses: 3,
      meta: { team: 'x' },
    });
  });
});
