import { ManualClock } from '@strongroom/protocol';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';

function breaker() {
  const clock = new ManualClock(0);
  const transitions: string[] = [];
  const cb = new CircuitBreaker({
    failureThreshold: 3,
    cooldownMs: 1000,
    clock,
    onTransition: (s) => transitions.push(s),
  });
  return { clock, cb, transitions };
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, not before', () => {
    const { cb, transitions } = breaker();
    cb.recordFailure();
    cb.recordFailure();
    cb.recordSuccess(); // resets the count
    cb.recordFailure();
    cb.recordFailure();
    expect(cb.state).toBe('closed');
    cb.recordFailure();
    expect(cb.state).toBe('open');
    expect(cb.tryAcquire()).toBe(false);
    expect(transitions).toEqual(['open']);
  });

  it('half-opens after the cooldown with exactly one trial, and closes on its success', async () => {
    const { clock, cb, transitions } = breaker();
    for (let i = 0; i < 3; i++) cb.recordFailure();
    await clock.advance(999);
    expect(cb.tryAcquire()).toBe(false);
    await clock.advance(1);
    expect(cb.tryAcquire()).toBe(true);
    expect(cb.state).toBe('half-open');
    expect(cb.tryAcquire()).toBe(false);
    cb.recordSuccess();
    expect(cb.state).toBe('closed');
    expect(cb.tryAcquire()).toBe(true);
    expect(transitions).toEqual(['open', 'closed']);
  });

  it('reopens for another cooldown when the trial fails', async () => {
    const { clock, cb, transitions } = breaker();
    for (let i = 0; i < 3; i++) cb.recordFailure();
    await clock.advance(1000);
    expect(cb.tryAcquire()).toBe(true);
    cb.recordFailure();
    expect(cb.state).toBe('open');
    await clock.advance(999);
    expect(cb.tryAcquire()).toBe(false);
    await clock.advance(1);
    expect(cb.tryAcquire()).toBe(true);
    expect(transitions).toEqual(['open', 'open']);
  });
});
