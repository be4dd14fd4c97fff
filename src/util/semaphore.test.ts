import { describe, expect, it } from 'vitest';

import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('admits no more holders than its capacity and serves waiters in order', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    await semaphore.acquire();
    await semaphore.acquire();
    const third = semaphore.acquire().then(() => order.push(3));
    const fourth = semaphore.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    semaphore.release();
    await third;
    expect(order).toEqual([3]);
    semaphore.release();
    await fourth;
    expect(order).toEqual([3, 4]);
  });
});
