/**
 * HMAC-SHA256 for the keyed hashes computed on every request: the token store's lookup key, the
 * audit log's hashed strings, AppRole's secret ID keys.
 *
 * Why not `createHmac` everywhere: each call sets up an OpenSSL MAC context (about 3 µs with warm
 * CPU caches, several times that between HTTP requests, when they are cold), while `crypto.hash`
 * is one call on a cached digest. HMAC is two hashes (RFC 2104): H((K ^ opad) || H((K ^ ipad) ||
 * m)). When every key byte is below 0x80 (and the key is at most one 64-byte block), both padded
 * keys are ASCII, so the inner input can be handed over as one string (its UTF-8 is the padded
 * key's bytes followed by the message's UTF-8), and the outer input is a reused 96-byte buffer.
 * New salts are generated in that form (`newHmacSalt`); a key that does not qualify, such as a
 * salt of raw random bytes stored by an earlier version, keeps `createHmac` with a prepared
 * KeyObject. A test checks both paths against `createHmac`.
 */
import { createHmac, createSecretKey, hash, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Storage } from '../logical/storage.ts';

const BLOCK = 64;
const DIGEST = 32;

export class HmacSha256 {
  /** K ^ ipad as a latin1 (= ASCII) string; undefined on the createHmac path. */
  readonly #innerPad: string | undefined;
  /** K ^ opad, then room for the inner digest. */
  readonly #outer: Buffer | undefined;
  readonly #key: KeyObject | undefined;

  constructor(key: Uint8Array) {
    if (key.length > 0 && key.length <= BLOCK && key.every((byte) => byte < 0x80)) {
      const inner = Buffer.alloc(BLOCK, 0x36);
      const outer = Buffer.alloc(BLOCK + DIGEST, 0);
      outer.fill(0x5c, 0, BLOCK);
      for (let i = 0; i < key.length; i++) {
        inner[i] = (inner[i] ?? 0) ^ (key[i] ?? 0);
        outer[i] = (outer[i] ?? 0) ^ (key[i] ?? 0);
      }
      this.#innerPad = inner.toString('latin1');
      this.#outer = outer;
    } else {
      this.#key = createSecretKey(key);
    }
  }

  /** The HMAC of `message` (as UTF-8), hex. */
  hex(message: string): string {
    const outer = this.#outer;
    if (outer === undefined || this.#innerPad === undefined) {
      return createHmac('sha256', this.#key as KeyObject)
        .update(message, 'utf8')
        .digest('hex');
    }
    // Hex, then decoded into place: asking `hash` for a Buffer costs three times as much.
    outer.write(hash('sha256', this.#innerPad + message, 'hex'), BLOCK, DIGEST, 'hex');
    return hash('sha256', outer, 'hex');
  }
}

/** A fresh salt for `HmacSha256`'s fast path: 48 random bytes as 64 base64url characters. */
export function newHmacSalt(): Buffer {
  return Buffer.from(randomBytes(48).toString('base64url'), 'latin1');
}

/**
 * An HMAC key kept in storage at `key` (the token store's and each AppRole mount's salt):
 * created on first use, loaded once, then used without touching storage. A salt stored by an
 * earlier version (32 raw bytes) stays valid: HmacSha256 takes either form. A failed load is
 * forgotten, so a storage error does not poison every later call.
 */
export class StoredHmacKey {
  readonly #key: string;
  #hmac: HmacSha256 | undefined;
  #loading: Promise<HmacSha256> | undefined;

  constructor(key: string) {
    this.#key = key;
  }

  /** The HMAC of `message` (as UTF-8) under the stored key, hex. */
  hex(storage: Storage, message: string): Promise<string> {
    const hmac = this.#hmac;
    if (hmac !== undefined) return Promise.resolve(hmac.hex(message));
    return this.#load(storage).then((loaded) => loaded.hex(message));
  }

  /** As `hex`, once the key is loaded; undefined before. */
  peekHex(message: string): string | undefined {
    return this.#hmac?.hex(message);
  }

  #load(storage: Storage): Promise<HmacSha256> {
    this.#loading ??= (async () => {
      let stored = await storage.get(this.#key);
      if (stored === undefined || stored.length < 32) {
        stored = newHmacSalt();
        await storage.put(this.#key, stored);
      }
      this.#hmac = new HmacSha256(stored);
      return this.#hmac;
    })();
    void this.#loading.catch(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }
}
