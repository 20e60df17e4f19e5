import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManualClock } from '@strongroom/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Storage } from '../logical/storage.ts';
import { MemoryStorage } from '../storage/memory.ts';
import { SqliteStorage } from '../storage/sqlite.ts';
import { SealManager, validateSealConfig } from './seal.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const error = (code: string, status = 400): Error =>
  expect.objectContaining({ code, status }) as Error;

function manager(physical: Storage = new MemoryStorage()): SealManager {
  return new SealManager({
    physical,
    clock: new ManualClock(),
    storageType: 'inmem',
    version: '0.1.0',
    buildDate: '2026-01-01T00:00:00Z',
  });
}

describe('validateSealConfig', () => {
  it.each([
    [1, 1],
    [2, 2],
    [5, 3],
    [255, 255],
  ])('accepts %d shares, threshold %d', (secretShares, secretThreshold) => {
    expect(validateSealConfig({ secretShares, secretThreshold })).toEqual({
      type: 'shamir',
      secret_shares: secretShares,
      secret_threshold: secretThreshold,
    });
  });

  it.each([
    [0, 0, 'shares must be at least one'],
    [1, 0, 'threshold must be at least one'],
    [3, 1, 'threshold must be greater than one for multiple shares'],
    [3, 4, 'threshold cannot be larger than shares'],
    [256, 3, 'shares must be less than 256'],
    [2.5, 2, 'secret_shares must be an integer'],
    [3, Number.NaN, 'secret_threshold must be an integer'],
  ])('refuses %d shares, threshold %d: %s', (secretShares, secretThreshold, reason) => {
    expect(() => validateSealConfig({ secretShares, secretThreshold })).toThrow(
      expect.objectContaining({
        code: 'bad_request',
        status: 400,
        message: `invalid seal configuration: ${reason}`,
      }),
    );
  });
});

describe('SealManager', () => {
  it('reports an uninitialized, sealed server', async () => {
    expect(await manager().status()).toEqual({
      type: 'shamir',
      initialized: false,
      sealed: true,
      t: 0,
      n: 0,
      progress: 0,
      nonce: '',
      version: '0.1.0',
      build_date: '2026-01-01T00:00:00Z',
      migration: false,
      recovery_seal: false,
      storage_type: 'inmem',
    });
  });

  it('refuses to unseal before initialization', async () => {
    await expect(manager().unseal(randomBytes(32).toString('hex'))).rejects.toThrow(
      error('not_initialized'),
    );
  });

  it('initializes once, leaving the server sealed', async () => {
    const seal = manager();
    const result = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
    expect(result.keys).toHaveLength(5);
    expect(result.keysBase64).toHaveLength(5);
    expect(new Set(result.keys).size).toBe(5);
    for (const [i, key] of result.keys.entries()) {
      expect(key).toMatch(/^[0-9a-f]{66}$/);
      expect(Buffer.from(result.keysBase64[i]!, 'base64').toString('hex')).toBe(key);
    }
    expect(await seal.initialized()).toBe(true);
    expect(await seal.status()).toMatchObject({ initialized: true, sealed: true, t: 3, n: 5 });
    await expect(seal.initialize({ secretShares: 1, secretThreshold: 1 })).rejects.toThrow(
      expect.objectContaining({
        code: 'already_initialized',
        status: 400,
        message: 'Vault is already initialized',
      }),
    );
    await expect(seal.barrier.get('x')).rejects.toThrow(error('sealed', 503));
  });

  it('with one share, hands out the 32-byte unseal key itself', async () => {
    const seal = manager();
    const { keys } = await seal.initialize({ secretShares: 1, secretThreshold: 1 });
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    const status = await seal.unseal(keys[0]);
    expect(status).toMatchObject({ sealed: false, t: 1, n: 1, progress: 0, nonce: '' });
    await seal.barrier.put('k', bytes('v'));
    expect(await seal.barrier.get('k')).toEqual(bytes('v'));
  });

  describe('with 3 of 5 shares', () => {
    let seal: SealManager;
    let keys: string[];
    let keysBase64: string[];

    beforeEach(async () => {
      seal = manager();
      ({ keys, keysBase64 } = await seal.initialize({ secretShares: 5, secretThreshold: 3 }));
    });

    it.each([
      [0, 1, 2],
      [4, 2, 0],
      [3, 1, 4],
      [2, 4, 3],
    ])('unseals with shares %d, %d, %d in that order', async (a, b, c) => {
      const first = await seal.unseal(keys[a]);
      expect(first).toMatchObject({ sealed: true, progress: 1 });
      expect(first.nonce).toMatch(/^[0-9a-f-]{36}$/);
      // Hex and base64 forms of shares mix freely.
      const second = await seal.unseal(keysBase64[b]);
      expect(second).toMatchObject({ sealed: true, progress: 2, nonce: first.nonce });
      expect(await seal.unseal(keys[c])).toMatchObject({ sealed: false, progress: 0, nonce: '' });
    });

    it('ignores a share submitted twice', async () => {
      await seal.unseal(keys[0]);
      expect(await seal.unseal(keysBase64[0])).toMatchObject({ progress: 1 });
      await seal.unseal(keys[1]);
      expect(await seal.unseal(keys[2])).toMatchObject({ sealed: false });
    });

    it('refuses a wrong share at the threshold and resets progress', async () => {
      await seal.unseal(keys[0]);
      await seal.unseal(keys[1]);
      const wrong = randomBytes(33);
      wrong[32] = 200; // an x coordinate none of the real shares use
      await expect(seal.unseal(wrong.toString('hex'))).rejects.toThrow(
        expect.objectContaining({
          code: 'invalid_key',
          status: 400,
          message: 'Unseal failed, invalid key',
        }),
      );
      expect(await seal.status()).toMatchObject({ sealed: true, progress: 0, nonce: '' });
      await seal.unseal(keys[2]);
      await seal.unseal(keys[3]);
      expect(await seal.unseal(keys[4])).toMatchObject({ sealed: false });
    });

    it('refuses shares that cannot be combined and resets progress', async () => {
      await seal.unseal(keys[0]);
      await seal.unseal(keys[1]);
      // A share of another length cannot be combined with the others.
      await expect(seal.unseal(randomBytes(20).toString('hex'))).rejects.toThrow(
        error('invalid_key'),
      );
      expect(await seal.status()).toMatchObject({ sealed: true, progress: 0 });
    });

    it('refuses a malformed key without touching progress, and never echoes it', async () => {
      await seal.unseal(keys[0]);
      const attempt = seal.unseal('not a key: s3cr3t');
      await expect(attempt).rejects.toThrow(error('invalid_key'));
      await expect(attempt).rejects.not.toThrow(/s3cr3t/);
      await expect(seal.unseal(randomBytes(8).toString('hex'))).rejects.toThrow(
        /shorter than minimum 16 bytes/,
      );
      expect(await seal.status()).toMatchObject({ progress: 1 });
      await expect(seal.unseal('')).rejects.toThrow(
        "'key' must be specified in request body as JSON, or 'reset' set to true",
      );
      await expect(seal.unseal(undefined)).rejects.toThrow(error('bad_request'));
    });

    it('resets progress on request, and refuses a reset when unsealed', async () => {
      await seal.unseal(keys[0]);
      await seal.unseal(keys[1]);
      expect(await seal.unseal(undefined, { reset: true })).toMatchObject({
        sealed: true,
        progress: 0,
        nonce: '',
      });
      await seal.unseal(keys[2]);
      await seal.unseal(keys[3]);
      expect(await seal.status()).toMatchObject({ progress: 2, sealed: true });
      await seal.unseal(keys[4]);
      await expect(seal.unseal(undefined, { reset: true })).rejects.toThrow('vault is unsealed');
    });

    it('answers the status when a share arrives while already unsealed', async () => {
      for (const key of keys.slice(0, 3)) await seal.unseal(key);
      expect(await seal.unseal(keys[3])).toMatchObject({ sealed: false, progress: 0 });
    });

    it('takes concurrent shares one at a time', async () => {
      await seal.unseal(keys[0]);
      const statuses = await Promise.all([seal.unseal(keys[1]), seal.unseal(keys[2])]);
      expect(statuses.map((s) => s.sealed)).toEqual([true, false]);
    });

    it('seals: 503 from the barrier, idempotent, and unseals again', async () => {
      for (const key of keys.slice(0, 3)) await seal.unseal(key);
      await seal.barrier.put('k', bytes('v'));
      await seal.seal();
      await seal.seal();
      expect(await seal.status()).toMatchObject({ sealed: true, progress: 0 });
      await expect(seal.barrier.get('k')).rejects.toThrow(error('sealed', 503));
      for (const key of keys.slice(2, 5)) await seal.unseal(key);
      expect(await seal.barrier.get('k')).toEqual(bytes('v'));
    });
  });

  describe('listeners', () => {
    it('run after unseal in order, and before seal in reverse while storage is writable', async () => {
      const seal = manager();
      const events: string[] = [];
      seal.onUnseal(() => {
        events.push('unseal 1');
      });
      seal.onUnseal(async () => {
        events.push(`unseal 2, sealed=${seal.sealed}`);
        await seal.barrier.put('hook', bytes('ran'));
      });
      seal.onSeal(async () => {
        events.push('seal 1');
        await seal.barrier.put('flushed', bytes('yes'));
      });
      const remove = seal.onSeal(() => {
        events.push('seal 2');
      });
      await seal.devInitialize();
      await seal.seal();
      expect(events).toEqual(['unseal 1', 'unseal 2, sealed=false', 'seal 2', 'seal 1']);
      remove();
      events.length = 0;
      await seal.seal();
      expect(events).toEqual([]);
    });

    it('seal again when an unseal listener fails, and the unseal fails', async () => {
      const seal = manager();
      const { keys } = await seal.initialize({ secretShares: 1, secretThreshold: 1 });
      let sealListenerRan = false;
      const remove = seal.onUnseal(() => {
        throw new Error('mount table failed');
      });
      seal.onSeal(() => {
        sealListenerRan = true;
      });
      await expect(seal.unseal(keys[0])).rejects.toThrow('mount table failed');
      expect(seal.sealed).toBe(true);
      expect(sealListenerRan).toBe(true);
      remove();
      expect(await seal.unseal(keys[0])).toMatchObject({ sealed: false });
    });

    it('seal even when a seal listener fails, then report it', async () => {
      const seal = manager();
      seal.onSeal(() => {
        throw new Error('timer stop failed');
      });
      await seal.devInitialize();
      await expect(seal.seal()).rejects.toThrow(AggregateError);
      expect(seal.sealed).toBe(true);
    });
  });

  describe('initialize with setup', () => {
    it('runs setup unsealed, then seals; data written by setup survives', async () => {
      const seal = manager();
      const unsealEvents: boolean[] = [];
      seal.onUnseal(() => {
        unsealEvents.push(true);
      });
      const { keys } = await seal.initialize(
        { secretShares: 2, secretThreshold: 2 },
        {
          setup: async (barrier) => {
            expect(await seal.initialized()).toBe(false);
            await barrier.put('auth/token/root', bytes('root token entry'));
          },
        },
      );
      expect(unsealEvents).toEqual([true]);
      expect(await seal.status()).toMatchObject({ initialized: true, sealed: true });
      await seal.unseal(keys[1]);
      await seal.unseal(keys[0]);
      expect(await seal.barrier.get('auth/token/root')).toEqual(bytes('root token entry'));
    });

    it('abandons initialization when setup fails, allowing a retry', async () => {
      const seal = manager();
      await expect(
        seal.initialize(
          { secretShares: 1, secretThreshold: 1 },
          { setup: () => Promise.reject(new Error('token store failed')) },
        ),
      ).rejects.toThrow('token store failed');
      expect(await seal.status()).toMatchObject({ initialized: false, sealed: true });
      const { keys } = await seal.initialize({ secretShares: 1, secretThreshold: 1 });
      expect(await seal.unseal(keys[0])).toMatchObject({ sealed: false });
    });
  });

  it('devInitialize leaves the server initialized and unsealed with one key', async () => {
    const seal = manager();
    const result = await seal.devInitialize();
    expect(result).toMatchObject({ secretShares: 1, secretThreshold: 1 });
    expect(result.keys).toHaveLength(1);
    expect(await seal.status()).toMatchObject({ initialized: true, sealed: false, t: 1, n: 1 });
  });

  describe('restart on SQLite', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'strongroom-seal-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('comes back sealed; the keys unseal it and every term reads', async () => {
      const file = join(dir, 'strongroom.db');
      const physical = new SqliteStorage(file);
      const first = manager(physical);
      const { keys } = await first.initialize({ secretShares: 5, secretThreshold: 3 });
      for (const key of keys.slice(0, 3)) await first.unseal(key);
      await first.barrier.put('secret/before', bytes('term 1'));
      await first.barrier.rotate();
      await first.barrier.put('secret/after', bytes('term 2'));
      await physical.close();

      const reopened = new SqliteStorage(file);
      const second = manager(reopened);
      expect(await second.status()).toMatchObject({ initialized: true, sealed: true, t: 3, n: 5 });
      await expect(second.barrier.get('secret/before')).rejects.toThrow(error('sealed', 503));
      for (const key of [keys[4], keys[1], keys[3]]) await second.unseal(key);
      expect(await second.barrier.get('secret/before')).toEqual(bytes('term 1'));
      expect(await second.barrier.get('secret/after')).toEqual(bytes('term 2'));
      expect(await second.barrier.list('secret/')).toEqual(['after', 'before']);
      expect(second.barrier.keyStatus().term).toBe(2);
      await reopened.close();
    });
  });
});
