import { createSecretKey, randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { BarrierDecryptError, CIPHERTEXT_VERSION, decrypt, encrypt, termOf } from './aead.ts';

const key = createSecretKey(randomBytes(32));
const other = createSecretKey(randomBytes(32));
const plaintext = new TextEncoder().encode('a secret value');

describe('barrier ciphertext format', () => {
  it('is [version][term][12-byte nonce][ciphertext][16-byte tag] and round-trips', () => {
    const blob = encrypt(key, 0x01020304, 'a/b', plaintext);
    expect(blob.length).toBe(1 + 4 + 12 + plaintext.length + 16);
    expect(blob[0]).toBe(CIPHERTEXT_VERSION);
    expect([...blob.subarray(1, 5)]).toEqual([1, 2, 3, 4]);
    expect(termOf('a/b', blob)).toBe(0x01020304);
    expect(decrypt(key, 'a/b', blob)).toEqual(plaintext);
  });

  it('uses a fresh nonce for every encryption', () => {
    const a = encrypt(key, 1, 'p', plaintext);
    const b = encrypt(key, 1, 'p', plaintext);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('round-trips an empty value', () => {
    expect(decrypt(key, 'p', encrypt(key, 1, 'p', new Uint8Array(0))).length).toBe(0);
  });

  it('refuses another path, another key, any flipped bit, or a truncation', () => {
    const blob = encrypt(key, 7, 'a/b', plaintext);
    expect(() => decrypt(key, 'a/c', blob)).toThrow(BarrierDecryptError);
    expect(() => decrypt(other, 'a/b', blob)).toThrow(BarrierDecryptError);
    for (let i = 1; i < blob.length; i++) {
      const tampered = blob.slice();
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(() => decrypt(key, 'a/b', tampered)).toThrow(BarrierDecryptError);
    }
    const wrongVersion = blob.slice();
    wrongVersion[0] = 99;
    expect(() => decrypt(key, 'a/b', wrongVersion)).toThrow(/unknown ciphertext version/);
    expect(() => decrypt(key, 'a/b', blob.subarray(0, 20))).toThrow(/too short/);
    expect(() => decrypt(key, 'a/b', blob.subarray(0, blob.length - 1))).toThrow(
      BarrierDecryptError,
    );
  });

  it('names the path, never the value, in its error', () => {
    const blob = encrypt(key, 1, 'secret/path', plaintext);
    expect(() => decrypt(other, 'secret/path', blob)).toThrow(
      'barrier: cannot decrypt the value at "secret/path": authentication failed',
    );
  });
});
