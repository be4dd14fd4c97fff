import { describe, expect, it } from 'vitest';

import { compactRemovals, type LayerOp } from './layer-ops.js';

describe('compactRemovals', () => {
  it('merges each run of removals of one kind, keeping every operation in order', () => {
    const ops: LayerOp<string>[] = [
      { op: 'remove', path: 'a', subtree: false },
      { op: 'remove', path: 'b', subtree: false },
      { op: 'remove', path: 'c', subtree: true },
      { op: 'file', path: 'c', result: 'x' },
      { op: 'remove', path: 'd', subtree: false },
      { op: 'opaque', dir: 'e' },
      { op: 'remove', path: 'f', subtree: false },
      { op: 'remove', path: 'g', subtree: false },
    ];
    expect(compactRemovals(ops)).toEqual([
      { op: 'removes', paths: ['a', 'b'], subtree: false },
      { op: 'removes', paths: ['c'], subtree: true },
      { op: 'file', path: 'c', result: 'x' },
      { op: 'removes', paths: ['d'], subtree: false },
      { op: 'opaque', dir: 'e' },
      { op: 'removes', paths: ['f', 'g'], subtree: false },
    ]);
    // The input is left as it was.
    expect(ops).toHaveLength(8);
  });

  it('keeps a layer without removals as it is', () => {
    const ops: LayerOp<string>[] = [{ op: 'symlink', path: 'l', target: 't' }];
    expect(compactRemovals(ops)).toEqual(ops);
  });
});
