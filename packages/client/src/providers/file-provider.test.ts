import { writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@strongroom/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretNotFoundError, classifyError } from '../errors.ts';
import type { WatchCallback } from '../provider.ts';
import { FileProvider, FileUnavailableError } from './file-provider.ts';

type Update = Parameters<WatchCallback>[0];

const opts = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

/**
 * Collects watch callbacks; `count(n)` resolves once n have arrived. File-watch tests wait on
 * this (bounded by the test timeout), never on a fixed sleep.
 */
class Updates {
  readonly items: Update[] = [];
  readonly #waiters: { n: number; resolve: () => void }[] = [];
  readonly callback: WatchCallback = (update) => {
    this.items.push(update);
    for (const waiter of this.#waiters.filter((w) => this.items.length >= w.n)) waiter.resolve();
  };
  count(n: number): Promise<void> {
    if (this.items.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }
  values(): unknown[] {
    return this.items.map((u) => ('value' in u ? u.value : u));
  }
}

const WATCH_TIMEOUT = { timeout: 10_000 };
/** For conditions only a real fs event can make true; generous, never a speed assertion. */
const WAIT = { timeout: 8_000, interval: 5 };

let dir: string;
const providers: FileProvider[] = [];
const open = (options: ConstructorParameters<typeof FileProvider>[0]): FileProvider => {
  const provider = new FileProvider(options);
  providers.push(provider);
  return provider;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strongroom-file-provider-'));
});

afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close();
  await rm(dir, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  const result = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(result instanceof Error)) throw new Error('expected a rejection with an Error');
  return result;
}

describe('FileProvider reads', () => {
  it('addresses JSON keys, nested by /, and converts scalars', async () => {
    const file = join(dir, 'secrets.json');
    await writeFile(
      file,
      JSON.stringify({
        db: { password: 'pw', user: 'u' },
        'literal/key': 'lit',
        port: 5432,
        flag: true,
        deep: { a: { b: 'c' } },
      }),
    );
    const provider = open({ file });
    expect(provider.format).toBe('json');
    expect(provider.name).toBe('file');
    expect(await provider.fetch('db', opts())).toEqual({ value: { password: 'pw', user: 'u' } });
    expect((await provider.fetch('db/password', opts())).value).toBe('pw');
    expect((await provider.fetch('deep/a/b', opts())).value).toBe('c');
    expect((await provider.fetch('literal/key', opts())).value).toBe('lit');
    expect((await provider.fetch('port', opts())).value).toBe('5432');
    expect((await provider.fetch('flag', opts())).value).toBe('true');
  });

  it('supports a . separator and reports ttlMs when configured', async () => {
    const file = join(dir, 'secrets.json');
    await writeFile(file, '{"db":{"password":"pw"}}');
    const provider = open({ file, separator: '.', ttlMs: 1000 });
    expect(await provider.fetch('db.password', opts())).toEqual({ value: 'pw', ttlMs: 1000 });
  });

  it('throws SecretNotFoundError for a missing key, unsupported_value for null and arrays', async () => {
    const file = join(dir, 'secrets.json');
    await writeFile(file, '{"db":{"password":"pw"},"n":null,"list":["hunter2"],"s":"x"}');
    const provider = open({ file });
    for (const path of ['nope', 'db/nope', 's/deeper', '__proto__', 'constructor']) {
      const error = await errorOf(provider.fetch(path, opts()));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(classifyError(error)).toBe('permanent');
    }
    for (const path of ['n', 'list']) {
      const error = await errorOf(provider.fetch(path, opts()));
      expect(error).toMatchObject({ code: 'unsupported_value' });
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('reads dotenv files by key or by the env-style name of a path', async () => {
    const file = join(dir, '.env');
    await writeFile(file, '# app\nexport DB_PASSWORD="p\\nw"\nplain_key=v # c\n');
    const provider = open({ file });
    expect(provider.format).toBe('dotenv');
    expect((await provider.fetch('DB_PASSWORD', opts())).value).toBe('p\nw');
    expect((await provider.fetch('db/password', opts())).value).toBe('p\nw');
    expect((await provider.fetch('plain_key', opts())).value).toBe('v');
    await expect(provider.fetch('missing', opts())).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('honours an explicit format', async () => {
    const file = join(dir, 'secrets.txt');
    await writeFile(file, '{"a":"1"}');
    expect((await open({ file, format: 'json' }).fetch('a', opts())).value).toBe('1');
  });

  it('a missing file is transient FileUnavailableError', async () => {
    const provider = open({ file: join(dir, 'absent.json') });
    const error = await errorOf(provider.fetch('a', opts()));
    expect(error).toBeInstanceOf(FileUnavailableError);
    expect(error).toMatchObject({ reason: 'missing' });
    expect(classifyError(error)).toBe('transient');
  });

  it('an unparseable file never reveals its contents', async () => {
    const json = join(dir, 'bad.json');
    await writeFile(json, '{"password": hunter2}');
    const error = await errorOf(open({ file: json }).fetch('password', opts()));
    expect(error).toBeInstanceOf(FileUnavailableError);
    expect(error).toMatchObject({ reason: 'unparseable' });
    expect(error.cause).toBeUndefined();
    expect(`${error.message} ${String(error)} ${JSON.stringify(error)}`).not.toContain('hunter2');

    const env = join(dir, 'bad.env');
    await writeFile(env, 'A=1\nhunter2\n');
    const envError = await errorOf(open({ file: env }).fetch('A', opts()));
    expect(envError.message).toContain('line 2');
    expect(envError.message).not.toContain('hunter2');

    const notObject = join(dir, 'array.json');
    await writeFile(notObject, '["hunter2"]');
    const arrayError = await errorOf(open({ file: notObject }).fetch('0', opts()));
    expect(arrayError).toBeInstanceOf(FileUnavailableError);
    expect(arrayError.message).not.toContain('hunter2');
  });

  it('honours an aborted signal', async () => {
    const file = join(dir, 'secrets.json');
    await writeFile(file, '{"a":"1"}');
    const controller = new AbortController();
    const reason = new Error('timed out');
    controller.abort(reason);
    await expect(open({ file }).fetch('a', { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('FileProvider watch', () => {
  const setup = (
    initial: Record<string, unknown>,
    debounceMs = 50,
  ): { file: string; provider: FileProvider } => {
    const file = join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify(initial));
    return { file, provider: open({ file, debounceMs }) };
  };

  it('calls back when the value is rewritten in place', WATCH_TIMEOUT, async () => {
    const { file, provider } = setup({ a: 'one' });
    await provider.fetch('a', opts());
    const updates = new Updates();
    provider.watch('a', updates.callback);
    writeFileSync(file, JSON.stringify({ a: 'two' }));
    await updates.count(1);
    expect(updates.items).toEqual([{ value: 'two' }]);
  });

  it('catches replacement by atomic rename', WATCH_TIMEOUT, async () => {
    const { file, provider } = setup({ a: 'one' });
    await provider.fetch('a', opts());
    const updates = new Updates();
    provider.watch('a', updates.callback);
    const temp = `${file}.tmp`;
    await writeFile(temp, JSON.stringify({ a: 'renamed' }));
    await rename(temp, file);
    await updates.count(1);
    expect(updates.values()).toEqual(['renamed']);
    // The watch follows the name, not the replaced inode: a second replacement is seen too.
    await writeFile(temp, JSON.stringify({ a: 'again' }));
    await rename(temp, file);
    await updates.count(2);
    expect(updates.values()).toEqual(['renamed', 'again']);
  });

  it('a file briefly missing during replacement is not an error', WATCH_TIMEOUT, async () => {
    // The debounce runs on a ManualClock so the read that finds the file missing is forced to
    // happen before the file comes back; fs events still arrive for real, so wait for them.
    const clock = new ManualClock();
    const file = join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ a: 'one' }));
    const provider = open({ file, clock, debounceMs: 100 });
    await provider.fetch('a', opts());
    const updates = new Updates();
    provider.watch('a', updates.callback);
    const debounceArmed = (): Promise<void> =>
      vi.waitFor(() => {
        expect(clock.pendingTimers).toBeGreaterThan(0);
      }, WAIT);
    await debounceArmed(); // the baseline check armed by watch()
    await clock.advance(100);
    await unlink(file);
    await debounceArmed();
    await clock.advance(100); // re-reads while the file is absent
    writeFileSync(file, JSON.stringify({ a: 'back' }));
    await debounceArmed();
    await clock.advance(100);
    await updates.count(1);
    expect(updates.items).toEqual([{ value: 'back' }]);
  });

  // Synchronous writes in these tests: the event loop is blocked for the whole write, so no
  // debounced read can observe a half-written file and turn a rewrite into a parse error.
  it('debounces a burst of writes into one callback', WATCH_TIMEOUT, async () => {
    const { file, provider } = setup({ a: 'v0' }, 200);
    await provider.fetch('a', opts());
    const updates = new Updates();
    provider.watch('a', updates.callback);
    for (let i = 1; i <= 10; i++) writeFileSync(file, JSON.stringify({ a: `v${i}` }));
    await updates.count(1);
    // A sentinel change proves nothing else was queued: had the burst produced intermediate
    // callbacks, they would sit before it.
    writeFileSync(file, JSON.stringify({ a: 'sentinel' }));
    await updates.count(2);
    expect(updates.values()).toEqual(['v10', 'sentinel']);
  });

  it('calls back only for paths whose value changed', WATCH_TIMEOUT, async () => {
    const { file, provider } = setup({ a: 'one', b: { k: 1, j: 2 } });
    await provider.fetch('a', opts());
    await provider.fetch('b', opts());
    const a = new Updates();
    const b = new Updates();
    provider.watch('a', a.callback);
    provider.watch('b', b.callback);
    // Key order alone is not a change for b.
    writeFileSync(file, JSON.stringify({ a: 'two', b: { j: 2, k: 1 } }));
    await a.count(1);
    writeFileSync(file, JSON.stringify({ a: 'two', b: { j: 2, k: 3 } }));
    await b.count(1);
    expect(a.values()).toEqual(['two']);
    expect(b.values()).toEqual([{ j: 2, k: 3 }]);
  });

  it('reports a removed key as SecretNotFoundError, once', WATCH_TIMEOUT, async () => {
    const { file, provider } = setup({ a: 'one', other: 'x' });
    await provider.fetch('a', opts());
    const updates = new Updates();
    provider.watch('a', updates.callback);
    writeFileSync(file, JSON.stringify({ other: 'y' }));
    await updates.count(1);
    writeFileSync(file, JSON.stringify({ other: 'z' }));
    writeFileSync(file, JSON.stringify({ other: 'z', a: 'restored' }));
    await updates.count(2);
    expect((updates.items[0] as { error: unknown }).error).toBeInstanceOf(SecretNotFoundError);
    expect(updates.items[1]).toEqual({ value: 'restored' });
  });

  it('an unparseable file calls back with an error free of contents', WATCH_TIMEOUT, async () => {
    const { file, provider } = setup({ a: 'one' });
    await provider.fetch('a', opts());
    const updates = new Updates();
    provider.watch('a', updates.callback);
    writeFileSync(file, '{"a": hunter2');
    await updates.count(1);
    const { error } = updates.items[0] as { error: Error };
    expect(error).toBeInstanceOf(FileUnavailableError);
    expect(error.cause).toBeUndefined();
    expect(`${error.message} ${String(error)} ${JSON.stringify(error)}`).not.toContain('hunter2');
    writeFileSync(file, JSON.stringify({ a: 'fixed' }));
    await updates.count(2);
    expect(updates.items[1]).toEqual({ value: 'fixed' });
  });

  it('reports a change made between the last fetch and watch()', WATCH_TIMEOUT, async () => {
    const { file, provider } = setup({ a: 'one' });
    await provider.fetch('a', opts());
    writeFileSync(file, JSON.stringify({ a: 'two' }));
    const updates = new Updates();
    provider.watch('a', updates.callback);
    await updates.count(1);
    expect(updates.values()).toEqual(['two']);
  });

  it('stops calling an unsubscribed callback', WATCH_TIMEOUT, async () => {
    const { file, provider } = setup({ a: 'one' });
    await provider.fetch('a', opts());
    const kept = new Updates();
    const dropped = new Updates();
    provider.watch('a', kept.callback);
    const stop = provider.watch('a', dropped.callback);
    stop();
    stop();
    writeFileSync(file, JSON.stringify({ a: 'two' }));
    await kept.count(1);
    expect(dropped.items).toEqual([]);
  });

  it('watching after close() is inert', () => {
    const { provider } = setup({ a: 'one' });
    provider.close();
    provider.close();
    const stop = provider.watch('a', () => {
      throw new Error('must not be called');
    });
    stop();
  });

  it('a directory that cannot be watched reports an error', WATCH_TIMEOUT, async () => {
    const provider = open({ file: join(dir, 'no-such-dir', 'secrets.json') });
    const updates = new Updates();
    provider.watch('a', updates.callback);
    await updates.count(1);
    expect((updates.items[0] as { error: unknown }).error).toBeInstanceOf(Error);
  });
});
