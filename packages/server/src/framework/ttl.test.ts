import { describe, expect, it } from 'vitest';
import { initialTtl, minPositive, renewedTtl } from './ttl.ts';

const H = 3_600_000;

describe('initialTtl', () => {
  it.each([
    // requested, explicitMax, default, mountMax -> ttl, maxTtl
    [0, 0, 1 * H, 24 * H, 1 * H, 24 * H],
    [2 * H, 0, 1 * H, 24 * H, 2 * H, 24 * H],
    [48 * H, 0, 1 * H, 24 * H, 24 * H, 24 * H],
    [0, 30 * 60_000, 1 * H, 24 * H, 30 * 60_000, 30 * 60_000],
    [5 * H, 4 * H, 1 * H, 24 * H, 4 * H, 4 * H],
    [0, 0, 1 * H, 0, 1 * H, 0],
  ])(
    'requested %d, explicit max %d, default %d, mount max %d',
    (requestedMs, explicitMaxMs, defaultMs, mountMaxMs, ttl, max) => {
      expect(initialTtl({ requestedMs, explicitMaxMs, defaultMs, mountMaxMs })).toEqual({
        ttlMs: ttl,
        maxTtlMs: max,
      });
    },
  );
});

describe('renewedTtl', () => {
  const base = { issueTimeMs: 0, defaultMs: H, maxTtlMs: 4 * H };
  it.each([
    ['the increment when far from max', { nowMs: 0, incrementMs: 2 * H }, 2 * H],
    ['the default when no increment', { nowMs: 0, incrementMs: 0 }, H],
    ['capped at the remaining time to max', { nowMs: 3.5 * H, incrementMs: 2 * H }, 0.5 * H],
    ['zero once max is reached', { nowMs: 4 * H, incrementMs: H }, 0],
    [
      'the period for periodic tokens',
      { nowMs: 0, incrementMs: 5 * H, periodMs: 0.5 * H },
      0.5 * H,
    ],
  ])('%s', (_name, input, expected) => {
    expect(renewedTtl({ ...base, ...input })).toBe(expected);
  });

  it('is unbounded with no max', () => {
    expect(
      renewedTtl({ issueTimeMs: 0, nowMs: 100 * H, incrementMs: H, defaultMs: H, maxTtlMs: 0 }),
    ).toBe(H);
  });
});

describe('minPositive', () => {
  it('ignores zeros', () => {
    expect(minPositive(0, 5, 3)).toBe(3);
    expect(minPositive(0, 0)).toBe(0);
  });
});
