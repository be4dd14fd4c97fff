import { cachedDataVersionTag, setFlagsFromString } from 'node:v8';

import { afterAll, describe, expect, it } from 'vitest';

import { boundMemoryForStreaming, onBeforeMemoryBound, releaseMemoryBound } from './memory.js';

afterAll(() => {
  // V8's defaults: the rest of this worker keeps the flags (and cached-data tag) it started with.
  setFlagsFromString('--semi-space-growth-factor=2');
  setFlagsFromString('--flush-bytecode');
});

describe('boundMemoryForStreaming', () => {
  it('runs the registered callback under the old flags, then changes them, once', () => {
    const tags: number[] = [];
    onBeforeMemoryBound(() => tags.push(cachedDataVersionTag()));
    const before = cachedDataVersionTag();
    boundMemoryForStreaming();
    boundMemoryForStreaming();
    expect(tags).toEqual([before]);
    expect(cachedDataVersionTag()).not.toBe(before);

    // Released (at exit), the flags are V8's defaults again: code cached now is usable later.
    releaseMemoryBound();
    expect(cachedDataVersionTag()).toBe(before);
    releaseMemoryBound();
    expect(cachedDataVersionTag()).toBe(before);
  });
});
