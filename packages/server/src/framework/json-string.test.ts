import { describe, expect, it } from 'vitest';
import { flatString, jsonString } from './json-string.ts';

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
