import { describe, expect, it } from 'vitest';
import { jsonString } from './json-string.ts';

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
