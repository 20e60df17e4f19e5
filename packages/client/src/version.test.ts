import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalValue, deriveVersion, resolveVersion } from './version.ts';

const sha8 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);

describe('secret versions', () => {
  it('uses the provider version when there is one', () => {
    expect(resolveVersion('value', 'v7')).toBe('v7');
  });

  it('derives the first 8 hex digits of the SHA-256 of a string as it is', () => {
    expect(deriveVersion('hunter2')).toBe(sha8('hunter2'));
    expect(resolveVersion('hunter2', undefined)).toMatch(/^[0-9a-f]{8}$/);
  });

  it('hashes objects as JSON with keys sorted at every depth', () => {
    const a = { b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalValue(a)).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
    expect(deriveVersion(a)).toBe(deriveVersion(b));
    expect(deriveVersion(a)).toBe(sha8(canonicalValue(a)));
  });

  it('gives different values different versions', () => {
    expect(deriveVersion({ password: 'a' })).not.toBe(deriveVersion({ password: 'b' }));
  });
});
