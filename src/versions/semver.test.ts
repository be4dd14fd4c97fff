import { describe, expect, it } from 'vitest';

import { compareSemVer, parseSemVer } from './semver.js';

// semver.org §11's own example chain, plus build metadata and long numbers.
const ascending: [string, string][] = [
  ['1.0.0-alpha', '1.0.0-alpha.1'],
  ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
  ['1.0.0-alpha.beta', '1.0.0-beta'],
  ['1.0.0-beta', '1.0.0-beta.2'],
  ['1.0.0-beta.2', '1.0.0-beta.11'],
  ['1.0.0-beta.11', '1.0.0-rc.1'],
  ['1.0.0-rc.1', '1.0.0'],
  ['1.0.0', '2.0.0'],
  ['2.0.0', '2.1.0'],
  ['2.1.0', '2.1.1'],
  ['1.0.0-1', '1.0.0-a'],
  ['1.0.0-A', '1.0.0-a'],
  ['1.0.0-9', '1.0.0-10'],
  ['99999999999999999999.0.0', '100000000000000000000.0.0'],
];

describe('compareSemVer', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareSemVer(older, newer)).toBe(-1);
    expect(compareSemVer(newer, older)).toBe(1);
  });

  it('ignores build metadata', () => {
    expect(compareSemVer('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
  });

  it.each(['1.0', '01.0.0', '1.0.0-01', 'v1.0.0', '1.0.0-', '1.0.0+', '1.0.0-a..b', ' 1.0.0'])(
    'rejects %j with VERSION_INVALID',
    (version) => {
      expect(() => parseSemVer(version)).toThrow(
        expect.objectContaining({ code: 'VERSION_INVALID' }),
      );
    },
  );

  it('accepts a leading v only in a dialect that allows it', () => {
    expect(parseSemVer('v1.2.3', { ecosystem: 'npm', allowVPrefix: true }).minor).toBe('2');
  });
});
