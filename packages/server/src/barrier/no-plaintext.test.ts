/**
 * The barrier's first contract, checked on the real file: nothing written through it appears
 * in the database or its WAL in any common encoding, and neither does the unseal key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManualClock } from '@strongroom/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { StorageView } from '../logical/storage.ts';
import { SqliteStorage } from '../storage/sqlite.ts';
import { SealManager } from './seal.ts';

/** Every byte pattern under which `marker` could be spotted on disk. */
function encodings(marker: Uint8Array): Buffer[] {
  const raw = Buffer.from(marker);
  return [
    raw,
    Buffer.from(raw.toString('hex')),
    Buffer.from(raw.toString('hex').toUpperCase()),
    Buffer.from(raw.toString('base64')),
    Buffer.from(raw.toString('base64url')),
  ];
}

/** The database file and its WAL, whichever exist. */
function diskImages(file: string): Buffer[] {
  return [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path));
}

function findings(file: string, markers: Record<string, Uint8Array>): string[] {
  const found: string[] = [];
  for (const image of diskImages(file)) {
    for (const [name, marker] of Object.entries(markers)) {
      for (const pattern of encodings(marker)) {
        if (image.includes(pattern)) found.push(name);
      }
    }
  }
  return found;
}

describe('no plaintext on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strongroom-plaintext-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the search finds a marker written around the barrier (positive control)', async () => {
    const file = join(dir, 'control.db');
    const physical = new SqliteStorage(file);
    const marker = new TextEncoder().encode('control-marker-8d1f0c');
    await physical.put('plain', marker);
    expect(findings(file, { marker })).toContain('marker');
    await physical.close();
    expect(findings(file, { marker })).toContain('marker');
  });

  it('holds no secret, token or unseal key bytes in the database or its WAL', async () => {
    const file = join(dir, 'strongroom.db');
    const physical = new SqliteStorage(file);
    const seal = new SealManager({ physical, clock: new ManualClock(), storageType: 'file' });
    const { keys } = await seal.initialize({ secretShares: 1, secretThreshold: 1 });
    const key = keys[0]!;
    await seal.unseal(key);

    const encoder = new TextEncoder();
    const markers: Record<string, Uint8Array> = {
      secret: encoder.encode('correct-horse-battery-staple-7f3a9'),
      token: encoder.encode('hvs.CAESIJmarkerTokenLikeValue0123456789'),
      'unseal key': Buffer.from(key, 'hex'),
    };
    const view = new StorageView(seal.barrier, 'logical/0c6b1f3e/');
    await view.put('creds/db', encoder.encode(`{"password":"correct-horse-battery-staple-7f3a9"}`));
    await seal.barrier.put('sys/token/id/abc', markers['token']!);
    await seal.barrier.put('raw/secret', markers['secret']!);
    await seal.barrier.put('raw/unseal-key', markers['unseal key']!);
    await seal.barrier.put('raw/unseal-key-hex', encoder.encode(key));
    await seal.barrier.rotate();
    await seal.barrier.put('raw/secret-after-rotate', markers['secret']!);

    // While open (data in the WAL), and after close (checkpointed into the main file).
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(findings(file, markers)).toEqual([]);
    await seal.seal();
    await physical.close();
    expect(findings(file, markers)).toEqual([]);

    // And the data is really there, behind the barrier.
    const reopened = new SqliteStorage(file);
    const again = new SealManager({
      physical: reopened,
      clock: new ManualClock(),
      storageType: 'file',
    });
    await again.unseal(key);
    expect(await again.barrier.get('raw/secret')).toEqual(markers['secret']);
    await reopened.close();
  });
});
