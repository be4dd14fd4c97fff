import { describe, expect, test } from 'vitest';

import { blobRange, chunkRange } from './ranges.js';

describe('blob Range headers', () => {
  test.each([
    [undefined, { kind: 'whole' }],
    ['bytes=0-9', { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=90-', { kind: 'partial', range: { start: 90, end: 99 } }],
    ['bytes=-10', { kind: 'partial', range: { start: 90, end: 99 } }],
    ['bytes=50-1000', { kind: 'partial', range: { start: 50, end: 99 } }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', { kind: 'whole' }],
    ['items=0-1', { kind: 'whole' }],
    ['bytes=9-3', { kind: 'whole' }],
  ])('%s of a 100-byte blob', (header, expected) => {
    expect(blobRange(header, 100)).toEqual(expected);
  });
});

describe('chunk Content-Range headers', () => {
  test('the spec form and a bytes prefix are read', () => {
    expect(chunkRange('0-21')).toEqual({ start: 0, end: 21 });
    expect(chunkRange('bytes 22-41/42')).toEqual({ start: 22, end: 41 });
    expect(chunkRange(undefined)).toBeUndefined();
  });

  test.each(['x', '5-1', '-3', '1-', 'bytes=a-b'])('%s is RANGE_INVALID', (header) => {
    expect(() => chunkRange(header)).toThrow(/Content-Range/);
  });
});
