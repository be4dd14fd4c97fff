import { describe, expect, test } from 'vitest';

import type { Decision } from '../policy/types.js';
import { DecisionCache } from './decision-cache.js';

function decision(digest: string): Decision {
  return {
    policy: 'p',
    policyHash: 'h',
    reference: `r@${digest}`,
    digest,
    allowed: true,
    results: [],
    evaluatedAt: new Date(0).toISOString(),
  };
}

describe('DecisionCache', () => {
  test('concurrent requests for one key share one computation', async () => {
    const cache = new DecisionCache(60_000);
    let calls = 0;
    const compute = async () => {
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return decision('d');
    };
    const key = DecisionCache.keyOf('h', 'r', 'd');
    const [a, b] = await Promise.all([
      cache.getOrCompute(key, compute),
      cache.getOrCompute(key, compute),
    ]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    await cache.getOrCompute(key, compute);
    expect(calls).toBe(1);
  });

  test('store: false uses a cached or in-flight decision but neither shares nor caches its own', async () => {
    const cache = new DecisionCache(60_000);
    let calls = 0;
    const compute = async () => {
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return decision('d');
    };
    const key = DecisionCache.keyOf('h', 'r', 'd');
    const dry = cache.getOrCompute(key, compute, { store: false });
    const real = cache.getOrCompute(key, compute);
    await Promise.all([dry, real]);
    expect(calls).toBe(2);
    expect(cache.get(key)).toBeDefined();
    await cache.getOrCompute(key, compute, { store: false });
    expect(calls).toBe(2);

    const other = DecisionCache.keyOf('h', 'r', 'e');
    await cache.getOrCompute(other, compute, { store: false });
    expect(cache.get(other)).toBeUndefined();
    const inFlight = cache.getOrCompute(other, compute);
    await cache.getOrCompute(other, compute, { store: false });
    await inFlight;
    expect(calls).toBe(4);
  });

  test('an entry expires after the TTL on the given clock', async () => {
    let now = 1000;
    const cache = new DecisionCache(100, 10, () => now);
    await cache.getOrCompute('k', () => Promise.resolve(decision('d')));
    expect(cache.get('k')).toBeDefined();
    now = 1100;
    expect(cache.get('k')).toBeUndefined();
  });

  test('a failed computation is not cached', async () => {
    const cache = new DecisionCache(60_000);
    await expect(cache.getOrCompute('k', () => Promise.reject(new Error('down')))).rejects.toThrow(
      'down',
    );
    await expect(
      cache.getOrCompute('k', () => Promise.resolve(decision('d'))),
    ).resolves.toMatchObject({
      digest: 'd',
    });
  });

  test('the number of entries is bounded, the oldest dropped first', async () => {
    const cache = new DecisionCache(60_000, 2);
    for (const key of ['a', 'b', 'c'])
      await cache.getOrCompute(key, () => Promise.resolve(decision(key)));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
  });

  test('the key separates policies and repositories of one digest', () => {
    expect(DecisionCache.keyOf('h1', 'docker.io/a', 'd')).not.toBe(
      DecisionCache.keyOf('h2', 'docker.io/a', 'd'),
    );
    expect(DecisionCache.keyOf('h', 'docker.io/a', 'd')).not.toBe(
      DecisionCache.keyOf('h', 'evil.io/a', 'd'),
    );
  });
});

describe('DecisionCache.forgetDigest', () => {
  test('drops every policy’s decision about the digest and keeps the others', async () => {
    const cache = new DecisionCache(60_000);
    const keys = [
      DecisionCache.keyOf('h1', 'moat/team/app', 'sha256:a'),
      DecisionCache.keyOf('h2', 'moat/team/app', 'sha256:a'),
      DecisionCache.keyOf('h1', 'moat/team/app', 'sha256:b'),
    ];
    for (const key of keys) await cache.getOrCompute(key, () => Promise.resolve(decision(key)));
    cache.forgetDigest('sha256:a');
    expect(keys.map((key) => cache.get(key) !== undefined)).toEqual([false, false, true]);
  });
});
