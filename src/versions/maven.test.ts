import { describe, expect, it } from 'vitest';

import { canonicalMavenVersion, compareMavenVersions, parseMavenVersion } from './maven.js';

// ComparableVersion's documented ordering (its Javadoc and Maven's version-order spec).
const ascending: [string, string][] = [
  ['1-alpha', '1-beta'],
  ['1-beta', '1-milestone'],
  ['1-milestone', '1-rc'],
  ['1-rc', '1-snapshot'],
  ['1-snapshot', '1'],
  ['1', '1-sp'],
  ['1-sp', '1-abc'],
  ['1-abc', '1-xyz'],
  ['1-sp', '1.1'],
  ['1-1', '1.1'],
  ['1.0-alpha1', '1.0-alpha2'],
  ['1.0-a1', '1.0-b1'],
  ['1.0-m1', '1.0-rc1'],
  ['1.0.0.x1', '1.0.0-x2'],
  ['1.9', '1.10'],
  ['1.0-SNAPSHOT', '1.0'],
  ['2.0.0.Final', '2.0.1'],
];

const equal: [string, string][] = [
  ['1', '1.0.0'],
  ['1-ga', '1'],
  ['1.0.FINAL', '1'],
  ['1.0.RELEASE', '1.0-release'],
  ['1-cr1', '1-rc1'],
  ['1.0-ALPHA1', '1.0-alpha-1'],
  ['1.0-a1', '1.0-alpha-1'],
  ['1.0-SP', '1.0-sp'],
];

describe('compareMavenVersions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareMavenVersions(older, newer)).toBe(-1);
    expect(compareMavenVersions(newer, older)).toBe(1);
  });

  it.each(equal)('ranks %s equal to %s', (a, b) => {
    expect(compareMavenVersions(a, b)).toBe(0);
  });

  it('builds the canonical form ComparableVersion prints', () => {
    expect(canonicalMavenVersion(parseMavenVersion('1.0.0.x1'))).toBe('1-x-1');
    expect(canonicalMavenVersion(parseMavenVersion('1.0-alpha1'))).toBe('1-alpha-1');
  });

  it.each(['', '1.0 beta', '1.0\u00e9'])('rejects %j with VERSION_INVALID', (version) => {
    expect(() => parseMavenVersion(version)).toThrow(
      expect.objectContaining({ code: 'VERSION_INVALID' }),
    );
  });
});
