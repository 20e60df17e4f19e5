import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.ts';

describe('isoTime', () => {
  it('formats as toISOString does, the same again from memory, and past its bound', () => {
    for (let i = 0; i < 10_000; i += 1) {
      const ms = 1_763_900_000_000 + i * 7_919;
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('refuses an invalid time as toISOString does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});
