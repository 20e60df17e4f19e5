import { describe, expect, it } from 'vitest';
import { entryState, entryWindow, jitteredTtlMs, refreshDelayMs, resolveTtlMs } from './timing.ts';

const lease = { id: 'l', durationMs: 60_000, renewable: false };

describe('resolveTtlMs: lease, else provider TTL, else per-path option, else default', () => {
  it.each([
    { fetched: { lease, ttlMs: 5000 }, path: 7000, expected: 60_000 },
    { fetched: { ttlMs: 5000 }, path: 7000, expected: 5000 },
    { fetched: {}, path: 7000, expected: 7000 },
    { fetched: {}, path: undefined, expected: 300_000 },
    { fetched: { ttlMs: -5 }, path: undefined, expected: 0 },
  ])('$expected', ({ fetched, path, expected }) => {
    expect(resolveTtlMs(fetched, path, 300_000)).toBe(expected);
  });
});

describe('jitteredTtlMs only ever shortens, by up to the ratio', () => {
  it.each([
    { ttl: 100_000, ratio: 0.1, r: 0, expected: 100_000 },
    { ttl: 100_000, ratio: 0.1, r: 0.5, expected: 95_000 },
    { ttl: 100_000, ratio: 0.1, r: 0.999, expected: 90_010 },
    { ttl: 100_000, ratio: 0, r: 0.9, expected: 100_000 },
    { ttl: 100_000, ratio: 5, r: 0.5, expected: 50_000 },
  ])('$ttl at ratio $ratio, draw $r -> $expected', ({ ttl, ratio, r, expected }) => {
    expect(jitteredTtlMs(ttl, ratio, r)).toBe(expected);
  });
});

describe('refreshDelayMs', () => {
  const base = { refreshAheadRatio: 0.7, floorMs: 10_000, random01: 0.5 };
  it.each([
    { name: 'static: 70% of the TTL', ttlMs: 100_000, leased: false, r: 0.5, expected: 70_000 },
    { name: 'static: the floor wins', ttlMs: 1000, leased: false, r: 0.5, expected: 10_000 },
    { name: 'static: zero TTL -> floor', ttlMs: 0, leased: false, r: 0.5, expected: 10_000 },
    { name: 'lease: 85% at draw 0', ttlMs: 100_000, leased: true, r: 0, expected: 85_000 },
    { name: 'lease: 90% at draw 0.5', ttlMs: 100_000, leased: true, r: 0.5, expected: 90_000 },
    { name: 'lease: 95% at draw ~1', ttlMs: 100_000, leased: true, r: 0.9999, expected: 94_999 },
    { name: 'lease: the floor wins', ttlMs: 5000, leased: true, r: 0.5, expected: 10_000 },
  ])('$name', ({ ttlMs, leased, r, expected }) => {
    expect(refreshDelayMs({ ...base, ttlMs, leased, random01: r })).toBe(expected);
  });
});

describe('entryWindow and entryState', () => {
  it.each([
    {
      name: 'static: stale for maxStale past the TTL',
      input: { fetchedAt: 1000, ttlMs: 100, maxStaleMs: 50, leaseMs: undefined },
      expected: { expiresAt: 1100, staleUntil: 1150 },
    },
    {
      name: 'lease: never stale past its end',
      input: { fetchedAt: 1000, ttlMs: 100, maxStaleMs: 10_000, leaseMs: 100 },
      expected: { expiresAt: 1100, staleUntil: 1100 },
    },
    {
      name: 'lease: a shorter TTL keeps the grace up to the lease end',
      input: { fetchedAt: 1000, ttlMs: 80, maxStaleMs: 50, leaseMs: 100 },
      expected: { expiresAt: 1080, staleUntil: 1100 },
    },
  ])('$name', ({ input, expected }) => {
    expect(entryWindow(input)).toEqual(expected);
  });

  it.each([
    { now: 1099, state: 'fresh' },
    { now: 1100, state: 'stale' },
    { now: 1149, state: 'stale' },
    { now: 1150, state: 'expired' },
  ])('at $now the entry is $state', ({ now, state }) => {
    expect(entryState({ expiresAt: 1100, staleUntil: 1150 }, now)).toBe(state);
  });
});
