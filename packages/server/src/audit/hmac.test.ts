import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSalt, hashedJson, hasherFor, hmacValue } from './hmac.ts';

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

describe('hashedJson', () => {
  const hash = hasherFor('salt');
  const h = (value: string): string => hmacValue('salt', value);
  const hashed = (value: unknown, memo?: WeakMap<object, string>): unknown =>
    JSON.parse(hashedJson(value, hash, memo) ?? 'undefined');

  it('hashes every string value, recursively, and leaves keys, numbers, booleans and null', () => {
    expect(
      hashed({ a: 'x', n: 1, b: false, z: null, nested: { list: ['y', 2, { deep: 'z' }] } }),
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
      hashed({
        secret: redacted,
        when: new Date(0),
        bytes: new Uint8Array([1, 2, 3]),
        big: 12n,
        gone: undefined,
      }),
    ).toEqual({
      secret: h('[redacted]'),
      when: h('1970-01-01T00:00:00.000Z'),
      bytes: h('AQID'),
      big: h('12'),
    });
  });

  it('writes the JSON that JSON.stringify writes for the hashed values', () => {
    const value = {
      '2': 'two',
      'quote"key\n': ['\u0000\u2028', -0, 1e21, 0.1, Number.NaN, Number.POSITIVE_INFINITY],
      '1': { nested: [undefined, () => 1, Symbol('s'), null, true], empty: {}, none: [] },
      [Symbol('skipped')]: 'x',
      fn: () => 1,
    };
    const expected = JSON.stringify({
      '1': { nested: [null, null, null, null, true], empty: {}, none: [] },
      '2': h('two'),
      'quote"key\n': [h('\u0000\u2028'), 0, 1e21, 0.1, null, null],
    });
    expect(hashedJson(value, hash)).toBe(expected);
    expect(hashedJson('x', hash)).toBe(JSON.stringify(h('x')));
    expect(hashedJson(undefined, hash)).toBeUndefined();
  });

  it('records a "__proto__" key like any other (JSON input can carry one)', () => {
    const input = JSON.parse('{"__proto__":{"a":"s"},"b":"t"}') as unknown;
    expect(hashedJson(input, hash)).toBe(
      `{"__proto__":{"a":${JSON.stringify(h('s'))}},"b":${JSON.stringify(h('t'))}}`,
    );
  });

  it('writes a cycle as null instead of failing', () => {
    const cyclic: Record<string, unknown> = { a: 'x' };
    cyclic.self = cyclic;
    expect(hashed(cyclic)).toEqual({ a: h('x'), self: null });
  });

  it('does not change its input', () => {
    const input = { a: 'x', list: ['y'] };
    hashedJson(input, hash);
    expect(input).toEqual({ a: 'x', list: ['y'] });
  });

  it('reuses the text of a deeply frozen tree, and of nothing that could change', () => {
    const memo = new WeakMap<object, string>();
    const inner = Object.freeze({ b: 'y' });
    const frozen = Object.freeze({ a: 'x', inner });
    expect(hashed(frozen, memo)).toEqual({ a: h('x'), inner: { b: h('y') } });
    expect(memo.get(frozen)).toBe(hashedJson(frozen, hash, memo));
    expect(memo.get(inner)).toBe(JSON.stringify({ b: h('y') }));

    const open = { a: 'x' };
    hashedJson(open, hash, memo);
    open.a = 'changed';
    expect(hashed(open, memo)).toEqual({ a: h('changed') });
    expect(memo.has(open)).toBe(false);

    // Frozen on the outside only: its child can still change, so neither is remembered.
    const child = { b: 'y' };
    const shallow = Object.freeze({ child });
    hashedJson(shallow, hash, memo);
    child.b = 'changed';
    expect(hashed(shallow, memo)).toEqual({ child: { b: h('changed') } });
    expect(memo.has(shallow)).toBe(false);
  });

  it('hashes the empty string like any other string', () => {
    expect(hash('')).toBe(`hmac-sha256:${createHmac('sha256', 'salt').update('').digest('hex')}`);
    expect(hash('x')).toBe(`hmac-sha256:${createHmac('sha256', 'salt').update('x').digest('hex')}`);
  });
});
