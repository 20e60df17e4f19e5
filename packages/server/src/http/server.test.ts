import { describe, expect, it } from 'vitest';
import { ResponseBatch } from './server.ts';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ResponseBatch', () => {
  it('writes nothing at once, then every deferred answer in one turn, then their bookkeeping', async () => {
    const batch = new ResponseBatch();
    const written: number[] = [];
    batch.defer(() => {
      written.push(1);
      return () => written.push(10);
    });
    await Promise.resolve();
    batch.defer(() => {
      written.push(2);
      return () => written.push(20);
    });
    batch.defer(() => {
      written.push(3);
      return undefined;
    });
    expect(written).toEqual([]);
    await nextTurn();
    // Every answer first, then each one's bookkeeping.
    expect(written).toEqual([1, 2, 3, 10, 20]);
  });

  it('starts a new batch for writes deferred while one is being written', async () => {
    const batch = new ResponseBatch();
    const written: string[] = [];
    batch.defer(() => {
      written.push('first');
      batch.defer(() => {
        written.push('later');
        return undefined;
      });
      return () => written.push('first done');
    });
    await nextTurn();
    // The later write is its own batch (the next round of the turn's end): the first batch's
    // bookkeeping has run before it.
    expect(written).toEqual(['first', 'first done', 'later']);
  });
});
