import { describe, expect, it } from 'vitest';

import { childOf, compareKeys, prefixUpperBound } from './keys.ts';

const utf8Order = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('compareKeys', () => {
  it('agrees with UTF-8 byte order, including astral versus high BMP characters', () => {
    const keys = [
      'a',
      'a/',
      'a0',
      'a-b',
      '',
      '\uE000',
      '\uFFFD',
      '\u{1F600}',
      '\u{10000}',
      'é',
      'z',
    ];
    expect([...keys].sort(compareKeys)).toEqual([...keys].sort(utf8Order));
  });
});

describe('prefixUpperBound', () => {
  it.each([
    ['a/', 'a0'],
    ['', undefined],
    ['x\u{10FFFF}', 'y'],
    ['\u{10FFFF}', undefined],
    ['k\uD7FF', 'k\uE000'],
    ['\u{1F600}', '\u{1F601}'],
  ])('%j -> %j', (prefix, upper) => {
    expect(prefixUpperBound(prefix)).toBe(upper);
  });
});

describe('childOf', () => {
  it.each([
    ['a/', 'a/b', 'b'],
    ['a/', 'a/b/c', 'b/'],
    ['', 'x/y/z', 'x/'],
    ['a/', 'a/', undefined],
  ])('%j %j -> %j', (prefix, key, child) => {
    expect(childOf(prefix, key)).toBe(child);
  });
});
