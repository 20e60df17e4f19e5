/**
 * The one contract every physical storage must pass (design habit 5). Not part of the
 * server: each backend's `*.test.ts` calls `describeStorageContract` with a harness.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { PhysicalStorage } from '../logical/storage.ts';
import { crashValue } from './crash-writer.ts';
import type { PhysicalStorageKind } from './open.ts';

export interface StorageHarness {
  /** Opens the store under test. For a persistent store, every call opens the same data. */
  open(): Promise<PhysicalStorage>;
  /**
   * Set for stores whose data outlives `close()`: enables the reopen and kill -9 tests, the
   * latter running `crash-writer.ts` with this kind and path in a child process.
   */
  persistent?: { kind: PhysicalStorageKind; path: string };
  /** Removes everything the harness created. */
  cleanup(): Promise<void>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export function describeStorageContract(
  name: string,
  createHarness: () => Promise<StorageHarness>,
  /** `persistent: true` adds the reopen and kill -9 tests (the harness must set `persistent`). */
  options: { persistent?: boolean } = {},
): void {
  describe(`storage contract: ${name}`, () => {
    let harness: StorageHarness;
    let storage: PhysicalStorage;
    const opened: PhysicalStorage[] = [];

    const open = async (): Promise<PhysicalStorage> => {
      const store = await harness.open();
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      harness = await createHarness();
      storage = await open();
    });

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await harness.cleanup();
    });

    describe('get, put, delete', () => {
      it('answers undefined for a missing key', async () => {
        expect(await storage.get('missing')).toBeUndefined();
        expect(await storage.get('a/b/c')).toBeUndefined();
      });

      it('round-trips a value and overwrites it', async () => {
        await storage.put('a/b', bytes('one'));
        expect(await storage.get('a/b')).toEqual(bytes('one'));
        await storage.put('a/b', bytes('two, longer'));
        expect(await storage.get('a/b')).toEqual(bytes('two, longer'));
        await storage.put('a/b', bytes('3'));
        expect(await storage.get('a/b')).toEqual(bytes('3'));
      });

      it('stores binary values exactly, including empty and large ones', async () => {
        const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
        const large = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 131) & 0xff);
        await storage.put('bin/empty', new Uint8Array(0));
        await storage.put('bin/all', everyByte);
        await storage.put('bin/nul', new Uint8Array([0, 0, 0]));
        await storage.put('bin/large', large);
        const empty = await storage.get('bin/empty');
        expect(empty).toBeInstanceOf(Uint8Array);
        expect(empty?.length).toBe(0);
        expect(await storage.get('bin/all')).toEqual(everyByte);
        expect(await storage.get('bin/nul')).toEqual(new Uint8Array([0, 0, 0]));
        expect(await storage.get('bin/large')).toEqual(large);
      });

      it('never lets a caller mutate a stored value through a buffer', async () => {
        const value = bytes('original');
        await storage.put('k', value);
        value.fill(0);
        const read = await storage.get('k');
        expect(read).toEqual(bytes('original'));
        read?.fill(0);
        expect(await storage.get('k')).toEqual(bytes('original'));
      });

      it('deletes a key, and deleting a missing key succeeds', async () => {
        await storage.put('d/x', bytes('x'));
        await storage.delete('d/x');
        expect(await storage.get('d/x')).toBeUndefined();
        await expect(storage.delete('d/x')).resolves.toBeUndefined();
        await expect(storage.delete('never/was')).resolves.toBeUndefined();
      });

      it('treats keys with unicode, spaces and punctuation as distinct opaque strings', async () => {
        const keys = [
          'héllo wörld',
          'héllo world',
          '日本/語',
          '🔑 key',
          'a b/c d',
          'tab\tkey',
          'x%2Fy',
        ];
        for (const [i, key] of keys.entries()) await storage.put(key, bytes(String(i)));
        for (const [i, key] of keys.entries())
          expect(await storage.get(key)).toEqual(bytes(String(i)));
        expect(await storage.list('日本/')).toEqual(['語']);
        expect(await storage.list('a b/')).toEqual(['c d']);
      });

      it('refuses a key that is not well-formed Unicode instead of aliasing it', async () => {
        await expect(storage.put('bad\uD800key', bytes('x'))).rejects.toThrow(TypeError);
        await expect(storage.get('bad\uDC00key')).rejects.toThrow(TypeError);
      });
    });

    describe('list', () => {
      it('answers an empty list for an empty store or a missing prefix', async () => {
        expect(await storage.list('')).toEqual([]);
        await storage.put('a/b', bytes('x'));
        expect(await storage.list('nope/')).toEqual([]);
        expect(await storage.list('a/b/')).toEqual([]);
      });

      it('lists one level: leaves by name, deeper keys once as their folder with "/"', async () => {
        for (const key of ['root', 'b/c', 'b/d/e', 'b/d/f/g', 'b/d2', 'bb/x', 'a/1', 'a/2/3']) {
          await storage.put(key, bytes(key));
        }
        expect(await storage.list('')).toEqual(['a/', 'b/', 'bb/', 'root']);
        expect(await storage.list('b/')).toEqual(['c', 'd/', 'd2']);
        expect(await storage.list('b/d/')).toEqual(['e', 'f/']);
        expect(await storage.list('b/d/f/')).toEqual(['g']);
        expect(await storage.list('a/')).toEqual(['1', '2/']);
      });

      it('lists a leaf and a folder of the same name both', async () => {
        await storage.put('p/same', bytes('leaf'));
        await storage.put('p/same/child', bytes('deeper'));
        expect(await storage.list('p/')).toEqual(['same', 'same/']);
      });

      it('sorts by UTF-8 bytes, with characters just around "/" in the right places', async () => {
        // '-' 0x2d, '.' 0x2e, '/' 0x2f, '0' 0x30: a folder "a/" sorts between "a.b" and "a0".
        for (const key of ['s/a0', 's/a/c', 's/a.b', 's/a-b', 's/a/d/e', 's/A', 's/a']) {
          await storage.put(key, bytes(key));
        }
        expect(await storage.list('s/')).toEqual(['A', 'a', 'a-b', 'a.b', 'a/', 'a0']);
        // U+E000 (EE 80 80 in UTF-8) sorts before U+1F600 (F0 ...), unlike UTF-16 order.
        await storage.put('u/\u{1F600}', bytes('emoji'));
        await storage.put('u/\uE000', bytes('private use'));
        await storage.put('u/z', bytes('z'));
        expect(await storage.list('u/')).toEqual(['z', '\uE000', '\u{1F600}']);
      });

      it('forgets a folder once its last key is deleted', async () => {
        await storage.put('f/one/x', bytes('x'));
        await storage.put('f/one/y', bytes('y'));
        await storage.put('f/two', bytes('2'));
        await storage.delete('f/one/x');
        expect(await storage.list('f/')).toEqual(['one/', 'two']);
        await storage.delete('f/one/y');
        expect(await storage.list('f/')).toEqual(['two']);
      });

      it('lists large folders completely, interleaving leaves and sub-folders', async () => {
        const expected = new Set<string>();
        for (let i = 0; i < 700; i++) {
          const name = `n${String(i).padStart(4, '0')}`;
          if (i % 3 === 0) {
            await storage.put(`big/${name}/a`, bytes('a'));
            await storage.put(`big/${name}/b/c`, bytes('c'));
            expected.add(`${name}/`);
          } else {
            await storage.put(`big/${name}`, bytes('leaf'));
            expected.add(name);
          }
        }
        await storage.put('bigger/outside', bytes('not under big/'));
        const listed = await storage.list('big/');
        expect(listed).toEqual([...expected].sort());
      });
    });

    it('rejects operations after close, and close is idempotent', async () => {
      await storage.close();
      await storage.close();
      await expect(storage.get('k')).rejects.toThrow(/closed/);
      await expect(storage.put('k', bytes('v'))).rejects.toThrow(/closed/);
    });

    // Only persistent stores have these tests at all (rather than skipping them), so a run
    // under CI=true reports nothing skipped.
    if (options.persistent !== true) return;
    const persistence = (): NonNullable<StorageHarness['persistent']> => {
      if (harness.persistent === undefined)
        throw new Error('a persistent harness must set `persistent`');
      return harness.persistent;
    };
    describe('persistence', () => {
      it('keeps data across close and reopen', async () => {
        persistence();
        await storage.put('keep/a', bytes('a'));
        await storage.put('keep/b/c', new Uint8Array(0));
        await storage.put('gone', bytes('x'));
        await storage.delete('gone');
        await storage.close();
        const reopened = await open();
        expect(await reopened.get('keep/a')).toEqual(bytes('a'));
        expect((await reopened.get('keep/b/c'))?.length).toBe(0);
        expect(await reopened.get('gone')).toBeUndefined();
        expect(await reopened.list('keep/')).toEqual(['a', 'b/']);
      });

      // Killing the writer mid-stream proves there is no buffering between an acknowledged put
      // and the storage engine's commit; the fsync part of the contract (power loss) is
      // `synchronous=FULL` and cannot be observed without pulling the plug.
      it('keeps every acknowledged write when the writer is killed with SIGKILL', async () => {
        await storage.close();
        const acknowledged = await runAndKillWriter(persistence(), 300);
        expect(acknowledged.length).toBeGreaterThanOrEqual(300);
        const reopened = await open();
        for (const i of acknowledged) {
          expect(await reopened.get(`durability/${i}`)).toEqual(crashValue(i));
        }
      });
    });
  });
}

/**
 * Starts `crash-writer.ts`, collects its acknowledgements, and kills it with SIGKILL as soon
 * as at least `killAfter` have arrived. Resolves with every index acknowledged.
 */
function runAndKillWriter(
  target: { kind: PhysicalStorageKind; path: string },
  killAfter: number,
): Promise<number[]> {
  const script = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=development', script, target.kind, target.path],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise<number[]>((resolve, reject) => {
    const acknowledged: number[] = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) acknowledged.push(Number(line));
      if (!killed && acknowledged.length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(acknowledged);
      else
        reject(new Error(`crash writer exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}
