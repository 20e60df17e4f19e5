import { describe, expect, it } from 'vitest';
import { ClockCache } from './clock-cache.ts';

describe('ClockCache', () => {
  it('keeps what was read since the last eviction scan, and evicts the oldest unread', () => {
    const cache = new ClockCache<string, number>({ maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('stays within its weight bound, replacing and deleting as it goes', () => {
    const cache = new ClockCache<string, string>({
      maxEntries: 100,
      maxWeight: 10,
      weigh: (value) => value.length,
    });
    cache.set('a', 'aaaaa');
    cache.set('b', 'bbbbb');
    cache.set('a', 'aa');
    cache.set('c', 'ccc');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['aa', 'bbbbb', 'ccc']);
    cache.set('d', 'dddd');
    expect(cache.get('a')).toBe('aa');
    expect(cache.size).toBe(3);
    cache.delete('a');
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('reports a value evicted at once', () => {
    const cache = new ClockCache<string, string>({
      maxEntries: 5,
      maxWeight: 3,
      weigh: (v) => v.length,
    });
    expect(cache.set('big', 'xxxx')).toBe(false);
    expect(cache.get('big')).toBeUndefined();
    expect(cache.set('ok', 'xx')).toBe(true);
  });
});
