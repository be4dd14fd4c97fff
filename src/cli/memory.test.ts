import { cachedDataVersionTag, setFlagsFromString } from 'node:v8';

import { afterAll, describe, expect, it } from 'vitest';

import { boundMemoryForStreaming, onBeforeMemoryBound } from './memory.js';

afterAll(() => {
  // V8's default: the rest of this worker keeps the flags (and cached-data tag) it started with.
  setFlagsFromString('--semi-space-growth-factor=2');
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
  });
});
