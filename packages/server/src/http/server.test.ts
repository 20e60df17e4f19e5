import { describe, expect, it } from 'vitest';
import { ResponseBatch } from './server.ts';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ResponseBatch', () => {
  it('writes nothing at once, then everything deferred in one turn, in order', async () => {
    const batch = new ResponseBatch();
    const written: number[] = [];
    batch.defer(() => written.push(1));
    await Promise.resolve();
    batch.defer(() => written.push(2));
    expect(written).toEqual([]);
    await nextTurn();
    expect(written).toEqual([1, 2]);
  });

  it('starts a new batch for writes deferred while one is being written', async () => {
    const batch = new ResponseBatch();
    const written: string[] = [];
    batch.defer(() => {
      written.push('first');
      batch.defer(() => written.push('later'));
    });
    await nextTurn();
    expect(written).toEqual(['first']);
    await nextTurn();
    expect(written).toEqual(['first', 'later']);
  });
});
