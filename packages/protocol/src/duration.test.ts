import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration, parseDurationSeconds } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    [90, 90_000],
    [0, 0],
    ['90', 90_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['2h45m10s', 9_910_000],
    ['500ms', 500],
    ['768h', 2_764_800_000],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
    ['  30m ', 1_800_000],
    ['1m30s', 90_000],
    ['250us', 0.25],
  ])('parses %j as %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([
    [-1, /non-negative integer/],
    [1.5, /non-negative integer/],
    [Number.NaN, /non-negative integer/],
    ['', /empty/],
    ['-5s', /negative/],
    ['1.5', /expected integer seconds/],
    ['5x', /expected integer seconds/],
    ['h', /expected integer seconds/],
    ['1h 30m', /expected integer seconds/],
    [null, /got null/],
    [true, /got boolean/],
    [{}, /got object/],
  ])('rejects %j with a clear error', (input, message) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
    expect(() => parseDuration(input)).toThrow(message);
  });

  it('caps the echoed input so a long value cannot flood a log', () => {
    const long = 'x'.repeat(10_000);
    try {
      parseDuration(long);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(200);
    }
  });

  it('truncates to whole seconds for Vault fields', () => {
    expect(parseDurationSeconds('1500ms')).toBe(1);
    expect(parseDurationSeconds('1h')).toBe(3600);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m0s'],
    [2_764_800_000, '768h0m0s'],
    [1_500, '1.5s'],
    [-2_000, '-2s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1000, 61_000, 3_600_000, 9_910_000, 2_764_800_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
