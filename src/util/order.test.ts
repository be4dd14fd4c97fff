import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { compareText, sortInPlace } from './order.js';

describe('compareText', () => {
  it('orders by UTF-16 code units, not by locale', () => {
    expect(['b', 'B', 'a', 'é', 'e'].sort(compareText)).toEqual(['B', 'a', 'b', 'e', 'é']);
  });
});

describe('sortInPlace', () => {
  const byKey = (a: [number, number], b: [number, number]) => a[0] - b[0];

  it('sorts short and long arrays like the built-in stable sort, in place', () => {
    // Pairs of (key, original index) with many equal keys: stability shows in the indexes.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (keys) => {
        const items = keys.map((key, index): [number, number] => [key, index]);
        const expected = [...items].sort(byKey);
        const sorted = sortInPlace(items, byKey);
        expect(sorted).toBe(items);
        expect(sorted).toEqual(expected);
      }),
    );
  });
});
