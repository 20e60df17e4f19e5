import { describe, expect, it } from 'vitest';
import { flatString, frozenJson, jsonString } from './json-string.ts';

describe('jsonString', () => {
  it('writes what JSON.stringify writes, for every kind of character', () => {
    const samples = [
      '',
      'plain',
      'hmac-sha256:0123abcd',
      'quote " and backslash \\',
      'controls \u0000 \u0008 \t \n \u001f',
      'line separators \u2028 \u2029 stay as they are',
      'ünïcødé 日本',
      'a pair 😀 and a lone \ud800 and \udfff',
      '\u007f delete',
    ];
    for (let code = 0; code < 0x80; code++) samples.push(`x${String.fromCharCode(code)}y`);
    for (const sample of samples) expect(jsonString(sample)).toBe(JSON.stringify(sample));
  });
});

describe('flatString', () => {
  it('returns the same string, whatever it holds', () => {
    let rope = '';
    for (let i = 0; i < 200; i++) rope += `"k${i}":${i},`;
    const samples = [rope, '', '42', ' 1e3 ', 'Infinity', '0x1f', '{"a":1}', 'ünïcødé 😀'];
    for (const sample of samples) {
      const copy = sample.split('').join('');
      expect(flatString(sample)).toBe(copy);
    }
  });
});

describe('frozenJson', () => {
  it('writes what JSON.stringify writes', () => {
    const deep = Object.freeze({
      a: Object.freeze([1, 'two', Object.freeze({ x: null })]),
      b: 'ü',
    });
    const samples: object[] = [
      deep,
      { mutable: true },
      Object.freeze({ inner: { mutable: true } }),
      Object.freeze({ when: new Date(0) }),
      Object.freeze({ toJSON: () => 'custom' }),
      Object.freeze([]),
    ];
    for (const sample of samples) {
      expect(frozenJson(sample)).toBe(JSON.stringify(sample));
      expect(frozenJson(sample)).toBe(JSON.stringify(sample));
    }
  });

  it('follows a frozen object whose children can still change', () => {
    const inner: Record<string, unknown> = { value: 1 };
    const outer = Object.freeze({ inner });
    expect(frozenJson(outer)).toBe('{"inner":{"value":1}}');
    inner.value = 2;
    expect(frozenJson(outer)).toBe('{"inner":{"value":2}}');
  });

  it('follows a frozen object with a getter', () => {
    let n = 0;
    const counting = Object.freeze({
      get n() {
        n += 1;
        return n;
      },
    });
    expect(frozenJson(counting)).toBe('{"n":1}');
    expect(frozenJson(counting)).toBe('{"n":2}');
  });
});
