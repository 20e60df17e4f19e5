import { describe, expect, it } from 'vitest';
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

  it('lists from storage', async () => {
    const cached = new CachedStorage(new MemoryStorage());
    await cached.put('x/1', bytes('1'));
    expect(await cached.list('x/')).toEqual(['1']);
  });
});
