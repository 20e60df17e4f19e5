import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSalt, hashStructure, hasherFor, hmacValue } from './hmac.ts';

describe('hmacValue', () => {
  it('is HMAC-SHA256 keyed with the salt, hex, with the hmac-sha256: prefix', () => {
    // RFC 4231-style known answer, computed independently of the module.
    expect(hmacValue('key', 'The quick brown fox jumps over the lazy dog')).toBe(
      'hmac-sha256:f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
    const salt = generateSalt();
    expect(hmacValue(salt, 'value')).toBe(
      `hmac-sha256:${createHmac('sha256', salt).update('value').digest('hex')}`,
    );
  });

  it('differs between salts and is stable for one salt', () => {
    const a = generateSalt();
    const b = generateSalt();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(hmacValue(a, 'x')).toBe(hmacValue(a, 'x'));
    expect(hmacValue(a, 'x')).not.toBe(hmacValue(b, 'x'));
  });
});

describe('hashStructure', () => {
  const hash = hasherFor('salt');
  const h = (value: string): string => hmacValue('salt', value);

  it('hashes every string value, recursively, and leaves keys, numbers, booleans and null', () => {
    expect(
      hashStructure(
        { a: 'x', n: 1, b: false, z: null, nested: { list: ['y', 2, { deep: 'z' }] } },
        hash,
      ),
    ).toEqual({
      a: h('x'),
      n: 1,
      b: false,
      z: null,
      nested: { list: [h('y'), 2, { deep: h('z') }] },
    });
  });

  it('hashes what JSON would write: toJSON, bytes as base64, bigints as strings', () => {
    const redacted = { toJSON: () => '[redacted]' };
    expect(
      hashStructure(
        {
          secret: redacted,
          when: new Date(0),
          bytes: new Uint8Array([1, 2, 3]),
          big: 12n,
          gone: undefined,
        },
        hash,
      ),
    ).toEqual({
      secret: h('[redacted]'),
      when: h('1970-01-01T00:00:00.000Z'),
      bytes: h('AQID'),
      big: h('12'),
    });
  });

  it('writes a cycle as null instead of failing', () => {
    const cyclic: Record<string, unknown> = { a: 'x' };
    cyclic.self = cyclic;
    expect(hashStructure(cyclic, hash)).toEqual({ a: h('x'), self: null });
  });

  it('does not change its input', () => {
    const input = { a: 'x', list: ['y'] };
    hashStructure(input, hash);
    expect(input).toEqual({ a: 'x', list: ['y'] });
  });

  it('reuses the hashed copy of a deeply frozen tree, and of nothing that could change', () => {
    const memo = new WeakMap<object, unknown>();
    const frozen = Object.freeze({ a: 'x', inner: Object.freeze({ b: 'y' }) });
    const first = hashStructure(frozen, hash, memo);
    expect(first).toEqual({ a: h('x'), inner: { b: h('y') } });
    expect(hashStructure(frozen, hash, memo)).toBe(first);

    const open = { a: 'x' };
    hashStructure(open, hash, memo);
    open.a = 'changed';
    expect(hashStructure(open, hash, memo)).toEqual({ a: h('changed') });

    // Frozen on the outside only: its child can still change, so neither is remembered.
    const child = { b: 'y' };
    const shallow = Object.freeze({ child });
    hashStructure(shallow, hash, memo);
    child.b = 'changed';
    expect(hashStructure(shallow, hash, memo)).toEqual({ child: { b: h('changed') } });
  });

  it('hashes the empty string like any other string', () => {
    expect(hash('')).toBe(`hmac-sha256:${createHmac('sha256', 'salt').update('').digest('hex')}`);
    expect(hash('x')).toBe(`hmac-sha256:${createHmac('sha256', 'salt').update('x').digest('hex')}`);
  });
});
