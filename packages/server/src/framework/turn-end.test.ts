import { describe, expect, it } from 'vitest';
import { atTurnEnd } from './turn-end.ts';

/** Resolves once a task queued at the end of this turn has run. */
function turnEnd(): Promise<void> {
  return new Promise((resolve) => {
    atTurnEnd(resolve);
  });
}

describe('atTurnEnd', () => {
  it('runs tasks in order, after the turn’s promise chains', async () => {
    const seen: string[] = [];
    atTurnEnd(() => seen.push('first'));
    atTurnEnd(() => seen.push('second'));
    void Promise.resolve().then(() => seen.push('microtask'));
    await turnEnd();
    expect(seen).toEqual(['microtask', 'first', 'second']);
  });

  it('runs the tasks that promise chains queue in the same turn, before the next one', async () => {
    const seen: string[] = [];
    // Three steps, each waiting on the previous one's task through a promise chain, as a
    // request waits on its request record, then its response record, then its answer.
    const step = (name: string): Promise<void> =>
      new Promise((resolve) => {
        atTurnEnd(() => {
          seen.push(name);
          resolve();
        });
      });
    const chain = (async () => {
      await step('request record');
      await Promise.resolve();
      await step('response record');
      await step('answer');
    })();
    // Queued after the first step: runs in the next turn, so after every step of this one.
    setImmediate(() => seen.push('next turn'));
    await chain;
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['request record', 'response record', 'answer', 'next turn']);
  });

  it('leaves a chain that keeps queueing work to later turns, so I/O is not starved', async () => {
    let steps = 0;
    let nextTurnAfter: number | undefined;
    const queueStep = (): void => {
      atTurnEnd(() => {
        steps += 1;
        if (steps === 1) {
          setImmediate(() => {
            nextTurnAfter = steps;
          });
        }
        if (steps < 50) void Promise.resolve().then(queueStep);
      });
    };
    queueStep();
    while (steps < 50) await new Promise((resolve) => setImmediate(resolve));
    // The next turn came after a bounded number of rounds, long before the chain ended.
    expect(nextTurnAfter).toBeDefined();
    expect(nextTurnAfter).toBeLessThan(50);
  });
});

describe('atTurnEnd when a task throws', () => {
  it('runs the other tasks, keeps working, and reports the error as uncaught', async () => {
    const seen: string[] = [];
    const reported: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', (error) => reported.push(error));
    try {
      atTurnEnd(() => {
        throw new Error('broken task');
      });
      atTurnEnd(() => seen.push('after the broken one'));
      await turnEnd();
      atTurnEnd(() => seen.push('a later turn'));
      await turnEnd();
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const listener of listeners) process.on('uncaughtException', listener);
    }
    expect(seen).toEqual(['after the broken one', 'a later turn']);
    expect(reported).toHaveLength(1);
    expect((reported[0] as Error).message).toBe('broken task');
  });
});
