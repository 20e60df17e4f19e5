import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './storage-layout.ts';
import type { KeyMetadata } from './storage-layout.ts';
import {
  checkAndSet,
  effectiveDeleteVersionAfter,
  effectiveMaxVersions,
  isDeleted,
  newMetadata,
  rfc3339,
  subkeysOf,
  trimVersions,
} from './version-rules.ts';

function withVersions(current: number, oldest = 0): KeyMetadata {
  const versions: Record<string, { createdMs: number; deletionMs: null; destroyed: boolean }> = {};
  for (let v = Math.max(oldest, 1); v <= current; v++) {
    versions[String(v)] = { createdMs: v, deletionMs: null, destroyed: false };
  }
  return { ...newMetadata(0), currentVersion: current, oldestVersion: oldest, versions };
}

describe('rfc3339', () => {
  it.each([
    [Date.UTC(2018, 2, 22, 2, 24, 6, 945), '2018-03-22T02:24:06.945Z'],
    [Date.UTC(2018, 2, 22, 2, 24, 6, 940), '2018-03-22T02:24:06.94Z'],
    [Date.UTC(2018, 2, 22, 2, 24, 6, 0), '2018-03-22T02:24:06Z'],
  ])('%d prints as %s', (ms, text) => {
    expect(rfc3339(ms)).toBe(text);
  });
});

describe('effective settings', () => {
  it('max_versions: the key, else the engine, else ten', () => {
    expect(effectiveMaxVersions(newMetadata(0), DEFAULT_CONFIG)).toBe(10);
    expect(effectiveMaxVersions(newMetadata(0), { ...DEFAULT_CONFIG, maxVersions: 4 })).toBe(4);
    expect(
      effectiveMaxVersions(
        { ...newMetadata(0), maxVersions: 2 },
        { ...DEFAULT_CONFIG, maxVersions: 4 },
      ),
    ).toBe(2);
  });

  it('delete_version_after: the shorter of the positive ones', () => {
    expect(effectiveDeleteVersionAfter(undefined, DEFAULT_CONFIG)).toBe(0);
    expect(effectiveDeleteVersionAfter({ deleteVersionAfterMs: 5 }, DEFAULT_CONFIG)).toBe(5);
    expect(
      effectiveDeleteVersionAfter(
        { deleteVersionAfterMs: 5 },
        { ...DEFAULT_CONFIG, deleteVersionAfterMs: 3 },
      ),
    ).toBe(3);
    expect(
      effectiveDeleteVersionAfter(
        { deleteVersionAfterMs: 0 },
        { ...DEFAULT_CONFIG, deleteVersionAfterMs: 3 },
      ),
    ).toBe(3);
  });
});

describe('checkAndSet', () => {
  it.each([
    ['no cas, not required', undefined, false, undefined, true],
    ['no cas, required by the engine', undefined, true, undefined, false],
    ['cas 0 on a new key', undefined, false, 0, true],
    ['cas 1 on a new key', undefined, false, 1, false],
    ['cas matching the current version', 2, false, 2, true],
    ['cas not matching', 2, true, 1, false],
  ] as const)('%s', (_name, current, required, cas, allowed) => {
    const meta = current === undefined ? undefined : withVersions(current);
    const run = () => {
      checkAndSet(meta, { ...DEFAULT_CONFIG, casRequired: required }, cas);
    };
    if (allowed) expect(run).not.toThrow();
    else expect(run).toThrow(expect.objectContaining({ status: 400, code: 'check_and_set' }));
  });

  it('honours the key’s own cas_required', () => {
    expect(() => {
      checkAndSet({ ...withVersions(1), casRequired: true }, DEFAULT_CONFIG, undefined);
    }).toThrow(/required/);
  });
});

describe('trimVersions', () => {
  it('keeps everything under the limit', () => {
    expect(trimVersions(withVersions(3), 10).removed).toEqual([]);
  });

  it('drops the oldest beyond the limit and advances oldest_version as Vault does', () => {
    const { meta, removed } = trimVersions(withVersions(5), 3);
    expect(removed).toEqual([1, 2]);
    expect(Object.keys(meta.versions)).toEqual(['3', '4', '5']);
    expect(meta.oldestVersion).toBe(3);
  });

  it('at exactly the limit moves oldest_version to the first kept version', () => {
    const { meta, removed } = trimVersions(withVersions(3), 3);
    expect(removed).toEqual([]);
    expect(meta.oldestVersion).toBe(1);
  });
});

describe('isDeleted', () => {
  it('counts a scheduled deletion from its time on', () => {
    const record = { createdMs: 0, deletionMs: 100, destroyed: false };
    expect(isDeleted(record, 99)).toBe(false);
    expect(isDeleted(record, 100)).toBe(true);
    expect(isDeleted({ ...record, deletionMs: null }, 1e12)).toBe(false);
  });
});

describe('subkeysOf', () => {
  const data = { foo: 'abc', bar: { baz: 'def', deep: { x: 1 } }, quux: {}, list: [1] };

  it('replaces leaves and empty objects with null', () => {
    expect(subkeysOf(data, 0)).toEqual({
      foo: null,
      bar: { baz: null, deep: { x: null } },
      quux: null,
      list: null,
    });
  });

  it('cuts the tree at depth', () => {
    expect(subkeysOf(data, 1)).toEqual({ foo: null, bar: null, quux: null, list: null });
    expect(subkeysOf(data, 2)).toEqual({
      foo: null,
      bar: { baz: null, deep: null },
      quux: null,
      list: null,
    });
  });
});
