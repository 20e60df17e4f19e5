import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.ts';

describe('backoffDelayMs: full jitter, base 100 ms, cap 2 s', () => {
  it.each([
    { retry: 0, r: 0.999, expected: 99 },
    { retry: 1, r: 0.999, expected: 199 },
    { retry: 2, r: 0.5, expected: 200 },
    { retry: 4, r: 0.999, expected: 1598 },
    { retry: 5, r: 0.999, expected: 1998 },
    { retry: 30, r: 0.5, expected: 1000 },
    { retry: 3, r: 0, expected: 0 },
  ])('retry $retry, draw $r -> $expected ms', ({ retry, r, expected }) => {
    expect(backoffDelayMs(retry, 100, 2000, r)).toBe(expected);
  });
});
