import { describe, expect, it } from 'vitest';
import { LruMap } from './lru.ts';

describe('LruMap', () => {
  it('evicts the least recently used key and returns it', () => {
    const lru = new LruMap<string, number>(2);
    expect(lru.set('a', 1)).toEqual([]);
    expect(lru.set('b', 2)).toEqual([]);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    expect(lru.set('c', 3)).toEqual([['b', 2]]);
    expect([...lru.values()]).toEqual([1, 3]);
  });

  it('does not count peek as a use', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.peek('a')).toBe(1);
    expect(lru.set('c', 3)).toEqual([['a', 1]]);
  });

  it('replaces a key in place without evicting', () => {
    const lru = new LruMap<string, number>(1);
    lru.set('a', 1);
    expect(lru.set('a', 2)).toEqual([]);
    expect(lru.get('a')).toBe(2);
    expect(lru.size).toBe(1);
  });

  it('rejects a bound below one', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});
