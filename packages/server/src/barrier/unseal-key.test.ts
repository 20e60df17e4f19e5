import { describe, expect, it } from 'vitest';

import { decodeUnsealKey } from './unseal-key.ts';

describe('decodeUnsealKey', () => {
  const key = Buffer.from(Array.from({ length: 33 }, (_, i) => i * 7));

  it('accepts hex (either case) and standard base64', () => {
    expect(Buffer.from(decodeUnsealKey(key.toString('hex')))).toEqual(key);
    expect(Buffer.from(decodeUnsealKey(key.toString('hex').toUpperCase()))).toEqual(key);
    expect(Buffer.from(decodeUnsealKey(key.toString('base64')))).toEqual(key);
  });

  it('reads a string that is valid hex of implausible length as base64', () => {
    // 24 hex-looking characters are 12 bytes as hex (too short) but 18 bytes as base64.
    const text = 'abcdefabcdefabcdefabcdef';
    expect(decodeUnsealKey(text).length).toBe(18);
  });

  it.each([
    ['not-a-key!', "'key' must be a valid hex or base64 string"],
    ['abc', "'key' must be a valid hex or base64 string"],
    [Buffer.alloc(8).toString('hex'), 'key is shorter than minimum 16 bytes'],
    [Buffer.alloc(40, 0xff).toString('base64'), 'key is longer than maximum 33 bytes'],
  ])('refuses %j with a 400', (text, message) => {
    expect(() => decodeUnsealKey(text)).toThrow(
      expect.objectContaining({ code: 'invalid_key', status: 400, message }),
    );
  });
});
