import { randomBytes } from 'node:crypto';

import { ManualClock } from '@strongroom/protocol';
import { beforeEach, describe, expect, it } from 'vitest';

import { StorageView, type PhysicalStorage } from '../logical/storage.ts';
import { MemoryStorage } from '../storage/memory.ts';
import { describeStorageContract } from '../storage/storage-contract.ts';
import { BarrierDecryptError } from './aead.ts';
import { Barrier, KEYRING_PATH, ROOT_KEY_PATH, SEAL_CONFIG_PATH } from './barrier.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const sealed = expect.objectContaining({ code: 'sealed', status: 503 });

async function unsealedBarrier(physical = new MemoryStorage(), clock = new ManualClock()) {
  const unsealKey = randomBytes(32);
  const barrier = new Barrier(physical, { clock });
  await barrier.initialize(unsealKey);
  await barrier.unseal(unsealKey);
  return { barrier, physical, unsealKey, clock };
}

// The barrier is a Storage like any other, so it passes the same contract, seen as engines see
// it: through a view (the barrier's own `core/` entries are outside).
describeStorageContract('Barrier over MemoryStorage, through a view', async () => {
  const { barrier, physical } = await unsealedBarrier();
  const view = new StorageView(barrier, 'logical/3f0c/');
  const store: PhysicalStorage = {
    get: (key) => view.get(key),
    put: (key, value) => view.put(key, value),
    delete: (key) => view.delete(key),
    list: (prefix) => view.list(prefix),
    close: () => physical.close(),
  };
  return {
    open: () => Promise.resolve(store),
    cleanup: () => Promise.resolve(),
  };
});

describe('Barrier', () => {
  let barrier: Barrier;
  let physical: MemoryStorage;
  let unsealKey: Buffer;
  let clock: ManualClock;

  beforeEach(async () => {
    ({ barrier, physical, unsealKey, clock } = await unsealedBarrier());
  });

  it('stores only ciphertext: version 1, term 1, not containing the plaintext', async () => {
    await barrier.put('secret/a', bytes('hunter2-hunter2'));
    const raw = await physical.get('secret/a');
    expect(raw?.[0]).toBe(1);
    expect(raw?.subarray(1, 5)).toEqual(new Uint8Array([0, 0, 0, 1]));
    expect(Buffer.from(raw!).includes('hunter2')).toBe(false);
    expect(await barrier.get('secret/a')).toEqual(bytes('hunter2-hunter2'));
    expect(await physical.list('core/')).toEqual(['keyring', 'root-key']);
  });

  it('fails, never returns garbage, when a stored ciphertext is tampered with', async () => {
    await barrier.put('secret/a', bytes('value'));
    const raw = (await physical.get('secret/a'))!;
    for (const index of [3, 10, 20, raw.length - 1]) {
      const tampered = raw.slice();
      tampered[index] = (tampered[index] ?? 0) ^ 0x80;
      await physical.put('secret/a', tampered);
      await expect(barrier.get('secret/a')).rejects.toThrow(BarrierDecryptError);
    }
    await physical.put('secret/a', raw.subarray(0, 10));
    await expect(barrier.get('secret/a')).rejects.toThrow(BarrierDecryptError);
  });

  it('refuses a ciphertext copied to another path', async () => {
    await barrier.put('secret/mine', bytes('mine'));
    await physical.put('secret/yours', (await physical.get('secret/mine'))!);
    await expect(barrier.get('secret/yours')).rejects.toThrow(
      'barrier: cannot decrypt the value at "secret/yours": authentication failed',
    );
  });

  it('refuses a value written under a term it does not hold', async () => {
    await barrier.put('x', bytes('v'));
    const raw = (await physical.get('x'))!.slice();
    raw[4] = 9;
    await physical.put('x', raw);
    await expect(barrier.get('x')).rejects.toThrow(/unknown key term/);
  });

  it('rotates: old data stays readable, new writes use the new term', async () => {
    await barrier.put('old', bytes('before'));
    expect(barrier.keyStatus()).toEqual({
      term: 1,
      install_time: '2026-01-01T00:00:00.000Z',
      encryptions: 1,
    });
    await clock.advance(3_600_000);
    const status = await barrier.rotate();
    expect(status).toEqual({ term: 2, install_time: '2026-01-01T01:00:00.000Z', encryptions: 0 });
    expect(barrier.keyStatus()).toEqual(status);
    await barrier.put('new', bytes('after'));
    expect((await physical.get('new'))?.subarray(1, 5)).toEqual(new Uint8Array([0, 0, 0, 2]));
    expect((await physical.get('old'))?.subarray(1, 5)).toEqual(new Uint8Array([0, 0, 0, 1]));
    expect(await barrier.get('old')).toEqual(bytes('before'));
    expect(await barrier.get('new')).toEqual(bytes('after'));
    expect(barrier.keyStatus().encryptions).toBe(1);

    // The rotation was persisted: a fresh unseal knows both terms.
    barrier.seal();
    await barrier.unseal(unsealKey);
    expect(barrier.keyStatus().term).toBe(2);
    expect(await barrier.get('old')).toEqual(bytes('before'));
    expect(await barrier.get('new')).toEqual(bytes('after'));
  });

  it('serializes concurrent rotations so every term stays known', async () => {
    const statuses = await Promise.all([barrier.rotate(), barrier.rotate(), barrier.rotate()]);
    expect(statuses.map((s) => s.term)).toEqual([2, 3, 4]);
    await barrier.put('v', bytes('under 4'));
    barrier.seal();
    await barrier.unseal(unsealKey);
    expect(barrier.keyStatus().term).toBe(4);
    expect(await barrier.get('v')).toEqual(bytes('under 4'));
  });

  it('answers 503 to everything while sealed, and forgets nothing stored', async () => {
    await barrier.put('k', bytes('v'));
    barrier.seal();
    barrier.seal();
    expect(barrier.sealed).toBe(true);
    await expect(barrier.get('k')).rejects.toThrow(sealed);
    await expect(barrier.put('k', bytes('x'))).rejects.toThrow(sealed);
    await expect(barrier.delete('k')).rejects.toThrow(sealed);
    await expect(barrier.list('')).rejects.toThrow(sealed);
    await expect(barrier.rotate()).rejects.toThrow(sealed);
    expect(() => barrier.keyStatus()).toThrow(sealed);
    await barrier.unseal(unsealKey);
    expect(await barrier.get('k')).toEqual(bytes('v'));
  });

  it('fails a read that was in flight when the barrier sealed', async () => {
    await barrier.put('k', bytes('v'));
    const read = barrier.get('k');
    barrier.seal();
    await expect(read).rejects.toThrow(sealed);
  });

  it('refuses a wrong unseal key with 400 invalid_key, and unseals with the right one', async () => {
    barrier.seal();
    await expect(barrier.unseal(randomBytes(32))).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_key', status: 400 }),
    );
    await expect(barrier.unseal(randomBytes(16))).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_key', status: 400 }),
    );
    expect(barrier.sealed).toBe(true);
    await barrier.unseal(unsealKey);
    expect(barrier.sealed).toBe(false);
  });

  it('answers not_initialized when no root key is stored', async () => {
    const fresh = new Barrier(new MemoryStorage(), { clock });
    expect(await fresh.hasRootKey()).toBe(false);
    await expect(fresh.unseal(randomBytes(32))).rejects.toThrow(
      expect.objectContaining({ code: 'not_initialized', status: 400 }),
    );
    expect(await barrier.hasRootKey()).toBe(true);
  });

  it('never lets a caller read or overwrite the key hierarchy through it', async () => {
    for (const path of [KEYRING_PATH, ROOT_KEY_PATH, SEAL_CONFIG_PATH]) {
      await expect(barrier.get(path)).rejects.toThrow(/managed by the barrier/);
      await expect(barrier.put(path, bytes('x'))).rejects.toThrow(/managed by the barrier/);
      await expect(barrier.delete(path)).rejects.toThrow(/managed by the barrier/);
    }
  });

  it('refuses to initialize while unsealed', async () => {
    await expect(barrier.initialize(randomBytes(32))).rejects.toThrow(/while unsealed/);
  });
});
