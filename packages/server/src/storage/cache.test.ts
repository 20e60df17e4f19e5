import { describe, expect, it } from 'vitest';
import { NOT_CACHED, StorageView } from '../logical/storage.ts';
import { CachedStorage } from './cache.ts';
import { MemoryStorage } from './memory.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

class CountingStorage extends MemoryStorage {
  reads = 0;
  failPuts = false;
  override get(key: string): Promise<Uint8Array | undefined> {
    this.reads++;
    return super.get(key);
  }
  override put(key: string, value: Uint8Array): Promise<void> {
    if (this.failPuts) return Promise.reject(new Error('disk full'));
    return super.put(key, value);
  }
}

describe('CachedStorage', () => {
  it('reads through once, then serves from memory', async () => {
    const inner = new CountingStorage();
    await inner.put('a', bytes('1'));
    const cached = new CachedStorage(inner);
    expect(await cached.get('a')).toEqual(bytes('1'));
    expect(await cached.get('a')).toEqual(bytes('1'));
    expect(inner.reads).toBe(1);
  });

  it('writes through and serves the new value; deletes forget', async () => {
    const inner = new CountingStorage();
    const cached = new CachedStorage(inner);
    await cached.put('a', bytes('1'));
    await cached.put('a', bytes('2'));
    expect(await cached.get('a')).toEqual(bytes('2'));
    expect(await inner.get('a')).toEqual(bytes('2'));
    await cached.delete('a');
    expect(await cached.get('a')).toBeUndefined();
  });

  it('never serves a value whose write failed', async () => {
    const inner = new CountingStorage();
    const cached = new CachedStorage(inner);
    await cached.put('a', bytes('1'));
    inner.failPuts = true;
    await expect(cached.put('a', bytes('2'))).rejects.toThrow('disk full');
    expect(await cached.get('a')).toEqual(bytes('1'));
  });

  it('hands out copies, so a caller cannot corrupt the cache', async () => {
    const cached = new CachedStorage(new MemoryStorage());
    await cached.put('a', bytes('1'));
    const first = await cached.get('a');
    first?.fill(0);
    expect(await cached.get('a')).toEqual(bytes('1'));
  });

  it('stays within its bound, evicting the least recently used', async () => {
    const inner = new CountingStorage();
    const cached = new CachedStorage(inner, { maxEntries: 2 });
    await cached.put('a', bytes('a'));
    await cached.put('b', bytes('b'));
    await cached.get('a');
    await cached.put('c', bytes('c'));
    inner.reads = 0;
    await cached.get('a');
    await cached.get('c');
    expect(inner.reads).toBe(0);
    await cached.get('b');
    expect(inner.reads).toBe(1);
  });

  it('stays within its byte bound and never caches large values', async () => {
    const inner = new CountingStorage();
    const cached = new CachedStorage(inner, { maxBytes: 10, maxValueBytes: 6 });
    await cached.put('big', bytes('0123456789'));
    await cached.put('a', bytes('aaaaa'));
    await cached.put('b', bytes('bbbbb'));
    await cached.put('c', bytes('ccccc'));
    inner.reads = 0;
    expect(await cached.get('big')).toEqual(bytes('0123456789'));
    expect(inner.reads).toBe(1);
    await cached.get('c');
    await cached.get('b');
    expect(inner.reads).toBe(1);
    await cached.get('a');
    expect(inner.reads).toBe(2);
  });

  it('parses a cached document once, shares it frozen, and drops it on write', async () => {
    const cached = new CachedStorage(new MemoryStorage());
    await cached.put('doc', bytes('{"a":{"b":1}}'));
    const first = (await cached.getParsed('doc')) as { a: { b: number } };
    const second = await cached.getParsed('doc');
    expect(second).toBe(first);
    expect(Object.isFrozen(first.a)).toBe(true);
    expect(() => {
      first.a.b = 2;
    }).toThrow(TypeError);
    await cached.put('doc', bytes('{"a":{"b":3}}'));
    expect(await cached.getParsed('doc')).toEqual({ a: { b: 3 } });
    await cached.delete('doc');
    expect(await cached.getParsed('doc')).toBeUndefined();
  });

  it('answers a peek only from memory: the shared document on a hit, NOT_CACHED otherwise', async () => {
    const inner = new CountingStorage();
    await inner.put('doc', bytes('{"a":1}'));
    const cached = new CachedStorage(inner);
    expect(cached.peekParsed('doc')).toBe(NOT_CACHED); // never read yet: no storage read either
    expect(inner.reads).toBe(0);
    const read = await cached.getParsed('doc');
    expect(cached.peekParsed('doc')).toBe(read);
    await cached.put('raw', bytes('{"b":2}')); // remembered as bytes, parsed on first peek
    const peeked = cached.peekParsed('raw');
    expect(peeked).toEqual({ b: 2 });
    expect(Object.isFrozen(peeked)).toBe(true);
    expect(await cached.getParsed('raw')).toBe(peeked);
    const write = cached.put('doc', bytes('{"a":2}'));
    expect(cached.peekParsed('doc')).toBe(NOT_CACHED); // a write under way forgets the old value
    await write;
    expect(cached.peekParsed('doc')).toEqual({ a: 2 });
    await cached.delete('doc');
    expect(cached.peekParsed('doc')).toBe(NOT_CACHED);
    expect(new StorageView(cached, 'x/').peekParsed('y')).toBe(NOT_CACHED);
    expect(new StorageView(new MemoryStorage(), '').peekParsed('raw')).toBe(NOT_CACHED);
  });

  it('lists from storage', async () => {
    const cached = new CachedStorage(new MemoryStorage());
    await cached.put('x/1', bytes('1'));
    expect(await cached.list('x/')).toEqual(['1']);
  });
});

/**
 * The memory backend with each operation held until the test lets it go, as a network round trip
 * would: a read sees the stored value when it starts and answers on release; a write or delete
 * lands on release.
 */
class GatedStorage extends MemoryStorage {
  gate = false;
  readonly #held: (() => void)[] = [];
  override async get(key: string): Promise<Uint8Array | undefined> {
    const value = await super.get(key);
    if (this.gate) await new Promise<void>((resolve) => this.#held.push(resolve));
    return value;
  }
  override async put(key: string, value: Uint8Array): Promise<void> {
    if (this.gate) await new Promise<void>((resolve) => this.#held.push(resolve));
    return super.put(key, value);
  }
  override async delete(key: string): Promise<void> {
    if (this.gate) await new Promise<void>((resolve) => this.#held.push(resolve));
    return super.delete(key);
  }
  /** Lets the `index`-th held operation (in arrival order) go, and lets it finish. */
  async release(index: number): Promise<void> {
    const held = this.#held[index];
    if (held === undefined) throw new Error(`no operation ${index} is held`);
    held();
    await settle();
  }
}

/** Lets pending promise chains run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('CachedStorage under concurrent reads and writes of one key', () => {
  async function setUp(): Promise<{ inner: GatedStorage; cached: CachedStorage }> {
    const inner = new GatedStorage();
    await inner.put('a', bytes('old'));
    inner.gate = true;
    return { inner, cached: new CachedStorage(inner) };
  }

  it('a read that misses and answers after a write never caches the older value', async () => {
    const { inner, cached } = await setUp();
    const read = cached.getParsed('a').catch(() => 'unparsable'); // sees "old", answers later
    await settle(); // the read reaches storage
    const write = cached.put('a', bytes('"new"'));
    await inner.release(1); // the write lands
    await write;
    await inner.release(0); // then the read answers with what it saw
    expect(await read).toBe('unparsable');
    inner.gate = false;
    expect(await cached.getParsed('a')).toBe('new');
  });

  it('a raw read that answers after a write never caches the older value', async () => {
    const { inner, cached } = await setUp();
    const read = cached.get('a');
    await settle(); // the read reaches storage
    const write = cached.put('a', bytes('new'));
    await inner.release(1);
    await write;
    await inner.release(0);
    expect(await read).toEqual(bytes('old'));
    inner.gate = false;
    expect(await cached.get('a')).toEqual(bytes('new'));
  });

  it('a read that starts during a write is not remembered, whichever value it saw', async () => {
    const { inner, cached } = await setUp();
    const write = cached.put('a', bytes('new'));
    const read = cached.get('a'); // a miss (the write forgot the key); sees "old"
    await settle(); // the read reaches storage
    await inner.release(0); // the write lands
    await write;
    await inner.release(1); // then the read answers
    expect(await read).toEqual(bytes('old'));
    inner.gate = false;
    expect(await cached.get('a')).toEqual(bytes('new'));
  });

  it('a delete during a read leaves no ghost of the deleted value', async () => {
    const { inner, cached } = await setUp();
    const read = cached.get('a');
    await settle(); // the read reaches storage
    const removal = cached.delete('a');
    await inner.release(1); // the delete lands
    await removal;
    await inner.release(0); // then the read answers
    expect(await read).toEqual(bytes('old'));
    inner.gate = false;
    expect(await cached.get('a')).toBeUndefined();
  });

  it('overlapping writes leave the value that storage holds', async () => {
    const { inner, cached } = await setUp();
    const first = cached.put('a', bytes('first'));
    const second = cached.put('a', bytes('second'));
    await inner.release(1); // the second write lands first
    await inner.release(0); // then the first: storage holds "first"
    await Promise.all([first, second]);
    inner.gate = false;
    expect(await cached.get('a')).toEqual(bytes(new TextDecoder().decode(await inner.get('a'))));
    expect(await cached.get('a')).toEqual(bytes('first'));
  });
});
