/**
 * The barrier's ciphertext format, AES-256-GCM:
 *
 *   [version: 1 byte][term: 4 bytes, big-endian][nonce: 12 random bytes][ciphertext][tag: 16]
 *
 * The associated data is the 5-byte header followed by the UTF-8 storage path, so a ciphertext
 * copied to another path, or relabelled with another term or version, fails authentication.
 * Decryption either returns exactly what was encrypted at that path or throws
 * `BarrierDecryptError`: it never returns garbage.
 *
 * Nonces are random, so one key must not encrypt more than about 2^32 values (NIST SP 800-38D);
 * the keyring's `rotate` and the `encryptions` counter exist for that.
 */
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';

export const CIPHERTEXT_VERSION = 1;
export const KEY_BYTES = 32;
const HEADER_BYTES = 5;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** The largest term the 4-byte field holds. */
export const MAX_TERM = 0xffff_ffff;

/**
 * A stored value failed to decrypt: tampered with, moved from another path, truncated, or
 * encrypted under a key this keyring does not hold. Deliberately not a LogicalError: the HTTP
 * layer answers it as an unexpected 500 and logs the message, which names only the path.
 */
export class BarrierDecryptError extends Error {
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`barrier: cannot decrypt the value at "${path}": ${reason}`);
    this.name = 'BarrierDecryptError';
    this.path = path;
  }
}

const encoder = new TextEncoder();

function associatedData(header: Uint8Array, path: string): Buffer {
  return Buffer.concat([header, encoder.encode(path)]);
}

/** Encrypts `plaintext` for storage at `path` under `key`, labelled with `term`. */
export function encrypt(
  key: KeyObject,
  term: number,
  path: string,
  plaintext: Uint8Array,
): Uint8Array {
  if (!Number.isInteger(term) || term < 0 || term > MAX_TERM) {
    throw new RangeError('key term out of range');
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(CIPHERTEXT_VERSION, 0);
  header.writeUInt32BE(term, 1);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(header, path));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const out = Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The key term a stored value claims; throws on a value too short or of another version. */
export function termOf(path: string, blob: Uint8Array): number {
  if (blob.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES) {
    throw new BarrierDecryptError(path, 'value is too short');
  }
  if (blob[0] !== CIPHERTEXT_VERSION) {
    throw new BarrierDecryptError(path, 'unknown ciphertext version');
  }
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).readUInt32BE(1);
}

/** Decrypts a value stored at `path` (see `termOf` for choosing `key`). */
export function decrypt(key: KeyObject, path: string, blob: Uint8Array): Uint8Array {
  termOf(path, blob);
  const header = blob.subarray(0, HEADER_BYTES);
  const nonce = blob.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const body = blob.subarray(HEADER_BYTES + NONCE_BYTES, blob.length - TAG_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(header, path));
    decipher.setAuthTag(tag);
    const out = Buffer.concat([decipher.update(body), decipher.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch {
    throw new BarrierDecryptError(path, 'authentication failed');
  }
}
