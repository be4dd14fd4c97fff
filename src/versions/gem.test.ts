import { describe, expect, it } from 'vitest';

import { compareGemVersions, isGemPrerelease, parseGemVersion } from './gem.js';

// Gem::Version's documented ordering: letters mark pre-releases; trailing zeros do not count.
const ascending: [string, string][] = [
  ['1.0.a', '1.0'],
  ['1.0.a', '1.0.b'],
  ['1.0.a2', '1.0.a10'],
  ['1.0.rc1', '1.0'],
  ['1.0.0.pre', '1.0'],
  ['1.0-1', '1.0'],
  ['1.9', '1.10'],
  ['1.0', '1.0.1'],
  ['1.0.A', '1.0.a'],
  ['1.a', '1.0.1'],
];

const equal: [string, string][] = [
  ['1', '1.0.0'],
  ['1.0.a', '1.a'],
  ['1.0.a.0', '1.a'],
  ['1.0-1', '1.0.pre.1'],
];

describe('compareGemVersions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareGemVersions(older, newer)).toBe(-1);
    expect(compareGemVersions(newer, older)).toBe(1);
  });

  it.each(equal)('ranks %s equal to %s', (a, b) => {
    expect(compareGemVersions(a, b)).toBe(0);
  });

  it('calls a version with a letter a pre-release', () => {
    expect(isGemPrerelease('2.0.0.rc1')).toBe(true);
    expect(isGemPrerelease('2.0.0')).toBe(false);
  });

  it.each(['', 'a', '1..0', '1.0-', '1.0_1', '.1'])(
    'rejects %j with VERSION_INVALID',
    (version) => {
      expect(() => parseGemVersion(version)).toThrow(
        expect.objectContaining({ code: 'VERSION_INVALID' }),
      );
    },
  );
});
