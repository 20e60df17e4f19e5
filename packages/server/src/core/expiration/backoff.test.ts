import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from './backoff.ts';

describe('fullJitterDelay', () => {
  const policy = { baseMs: 1000, capMs: 10_000 };
  it.each([
    [1, 0.999, 999],
    [2, 0.999, 1998],
    [3, 0.5, 2000],
    [4, 0.5, 4000],
    [5, 0.5, 5000],
    [60, 0.5, 5000],
    [2000, 0.999, 9990],
    [1, 0, 1],
    [0, 0.5, 500],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(fullJitterDelay(attempt, policy, () => random)).toBe(expected);
  });
});
