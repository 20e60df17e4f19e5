import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock, sleep } from './clock.ts';

describe('ManualClock', () => {
  it('fires timers in due order as time advances, and not before', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => fired.push('b@200'), 200);
    clock.setTimer(() => fired.push('a@100'), 100);
    clock.setTimer(() => fired.push('c@200'), 200);
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual(['a@100']);
    await clock.advance(100);
    expect(fired).toEqual(['a@100', 'b@200', 'c@200']);
    expect(clock.now()).toBe(200);
  });

  it('reports the time of the firing timer to its callback', async () => {
    const clock = new ManualClock(1000);
    let seen = 0;
    clock.setTimer(() => (seen = clock.now()), 50);
    await clock.advance(500);
    expect(seen).toBe(1050);
    expect(clock.now()).toBe(1500);
  });

  it('does not fire cancelled timers', async () => {
    const clock = new ManualClock(0);
    let fired = false;
    const timer = clock.setTimer(() => (fired = true), 10);
    timer.cancel();
    timer.cancel();
    await clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires timers armed by other timers within the same advance', async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 10);
    }, 10);
    await clock.advance(25);
    expect(fired).toEqual([10, 20]);
  });

  it('lets async work started by a timer settle before the next timer', async () => {
    const clock = new ManualClock(0);
    const order: string[] = [];
    clock.setTimer(() => {
      void (async () => {
        await Promise.resolve();
        await Promise.resolve();
        order.push('async work of first');
      })();
    }, 10);
    clock.setTimer(() => order.push('second'), 20);
    await clock.advance(30);
    expect(order).toEqual(['async work of first', 'second']);
  });

  it('sleep resolves on advance and rejects on abort', async () => {
    const clock = new ManualClock(0);
    let done = false;
    const p = sleep(clock, 1000).then(() => (done = true));
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    expect(done).toBe(true);

    const controller = new AbortController();
    const aborted = sleep(clock, 1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses to go backwards', async () => {
    await expect(new ManualClock(0).advance(-1)).rejects.toThrow(RangeError);
  });
});

describe('SystemClock', () => {
  it('unrefs its timers and cancels them', () => {
    const clock = new SystemClock();
    const timer = clock.setTimer(() => {
      throw new Error('should not fire');
    }, 60_000);
    timer.cancel();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000);
  });
});
