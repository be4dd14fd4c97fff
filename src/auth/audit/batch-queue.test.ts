import { describe, expect, it } from 'vitest';

import { BatchQueue } from './batch-queue.js';

function queueWith(write: (batch: number[]) => Promise<void>, logs: string[] = [], maxQueued = 5) {
  return new BatchQueue<number>({
    write,
    log: (message) => logs.push(message),
    maxBatch: 3,
    delayMs: 60_000,
    maxQueued,
    retryDelayMs: 60_000,
  });
}

describe('audit batch queue', () => {
  it('writes in batches of at most maxBatch, in order, and flush waits for all of them', async () => {
    const batches: number[][] = [];
    const queue = queueWith(
      (batch) => {
        batches.push(batch);
        return Promise.resolve();
      },
      [],
      100,
    );
    for (let i = 1; i <= 7; i++) queue.push(i);
    await queue.flush();
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(batches.every((batch) => batch.length <= 3)).toBe(true);
  });

  it('keeps a failed batch for the next attempt, and flush rejects meanwhile', async () => {
    const written: number[] = [];
    let fail = true;
    const logs: string[] = [];
    const queue = queueWith((batch) => {
      if (fail) return Promise.reject(new Error('database unavailable'));
      for (const item of batch) written.push(item);
      return Promise.resolve();
    }, logs);
    queue.push(1);
    queue.push(2);
    await expect(queue.flush()).rejects.toThrow('database unavailable');
    expect(logs.join('\n')).toContain('2 entries not written yet');
    fail = false;
    queue.push(3);
    await queue.flush();
    expect(written).toEqual([1, 2, 3]);
  });

  it('drops the oldest items beyond maxQueued and says so', async () => {
    const logs: string[] = [];
    const written: number[] = [];
    let fail = true;
    const queue = queueWith((batch) => {
      if (fail) return Promise.reject(new Error('down'));
      for (const item of batch) written.push(item);
      return Promise.resolve();
    }, logs);
    for (let i = 1; i <= 8; i++) queue.push(i);
    await queue.flush().catch(() => undefined);
    fail = false;
    await queue.flush();
    expect(written.length).toBeLessThanOrEqual(5);
    expect(written.at(-1)).toBe(8);
    expect(logs.some((line) => line.includes('dropped'))).toBe(true);
  });
});
