import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { PhysicalStorageKind } from './open.ts';
import { DEFAULT_DATABASE_FILE, isPhysicalStorageKind, openPhysicalStorage } from './open.ts';
import { MemoryStorage } from './memory.ts';
import { SqliteStorage } from './sqlite.ts';

describe('openPhysicalStorage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strongroom-open-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps inmem to memory storage', async () => {
    const storage = await openPhysicalStorage('inmem');
    expect(storage).toBeInstanceOf(MemoryStorage);
    await storage.close();
  });

  it.each(['file', 'raft'] as const)(
    'opens storage "%s" as strongroom.db inside its directory, creating it owner-only',
    async (kind) => {
      const path = join(dir, 'nested', kind);
      const storage = await openPhysicalStorage(kind, { path });
      if (!(storage instanceof SqliteStorage)) throw new Error('expected SqliteStorage');
      expect(storage.path).toBe(join(path, DEFAULT_DATABASE_FILE));
      await storage.put('k', new Uint8Array([1]));
      await storage.close();
      expect(statSync(path).mode & 0o777).toBe(0o700);
      expect(statSync(join(path, DEFAULT_DATABASE_FILE)).mode & 0o077).toBe(0);

      const again = await openPhysicalStorage(kind, { path });
      expect(await again.get('k')).toEqual(new Uint8Array([1]));
      await again.close();
    },
  );

  it('opens storage "file" at an existing database file as that file', async () => {
    const first = await openPhysicalStorage('sqlite', { path: join(dir, 'db', 'x.sqlite') });
    await first.put('k', new Uint8Array([2]));
    await first.close();
    const storage = await openPhysicalStorage('file', { path: join(dir, 'db', 'x.sqlite') });
    expect(await storage.get('k')).toEqual(new Uint8Array([2]));
    await storage.close();
    expect(existsSync(join(dir, 'db', 'x.sqlite', DEFAULT_DATABASE_FILE))).toBe(false);
  });

  it('opens storage "sqlite" at an existing directory as strongroom.db inside it', async () => {
    const storage = await openPhysicalStorage('sqlite', { path: dir });
    if (!(storage instanceof SqliteStorage)) throw new Error('expected SqliteStorage');
    expect(storage.path).toBe(join(dir, DEFAULT_DATABASE_FILE));
    await storage.close();
  });

  it('refuses a missing path and an unknown kind', async () => {
    await expect(openPhysicalStorage('file')).rejects.toThrow(/"path" must be set/);
    await expect(openPhysicalStorage('postgresql' as PhysicalStorageKind)).rejects.toThrow(
      /unsupported storage type "postgresql"/,
    );
  });

  it('refuses a file path that is not a SQLite database', async () => {
    const path = join(dir, 'not-a-db');
    await writeFile(path, 'this is not sqlite, padded to more than a header '.repeat(4));
    await expect(openPhysicalStorage('file', { path })).rejects.toThrow();
  });

  it('recognises configuration names', () => {
    expect(['inmem', 'file', 'sqlite', 'raft'].every(isPhysicalStorageKind)).toBe(true);
    expect(isPhysicalStorageKind('consul')).toBe(false);
  });
});
