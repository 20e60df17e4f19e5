import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256, newHmacSalt } from './hmac.ts';

function reference(key: Uint8Array, message: string): string {
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}

const messages = [
  '',
  'a',
  'hvs.CAESIJ0xYz',
  'ünïcödé 🔑 секрет',
  'x'.repeat(1000),
  '\u0000\u007f\u0080',
];

describe('HmacSha256', () => {
  it('matches createHmac for ASCII keys of every length up to a block (the hash path)', () => {
    for (let length = 1; length <= 64; length++) {
      const key = Buffer.from(randomBytes(length).map((byte) => byte & 0x7f));
      const hmac = new HmacSha256(key);
      for (const message of messages) expect(hmac.hex(message)).toBe(reference(key, message));
    }
  });

  it('matches createHmac for keys with high bytes or longer than a block (the createHmac path)', () => {
    for (const key of [Buffer.from([0x80, 1, 2]), randomBytes(32), Buffer.alloc(65, 0x41)]) {
      const hmac = new HmacSha256(key);
      for (const message of messages) expect(hmac.hex(message)).toBe(reference(key, message));
    }
  });

  it('gives the same answer when called again (the reused outer buffer holds no state)', () => {
    const hmac = new HmacSha256(newHmacSalt());
    const first = hmac.hex('one');
    hmac.hex('two');
    expect(hmac.hex('one')).toBe(first);
  });

  it('generates salts that take the fast path: 64 ASCII bytes, different every time', () => {
    const a = newHmacSalt();
    expect(a).toHaveLength(64);
    expect(a.every((byte) => byte < 0x80)).toBe(true);
    expect(newHmacSalt().equals(a)).toBe(false);
  });
});
