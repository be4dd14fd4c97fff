import { describe, expect, it } from 'vitest';

import { compareDebianVersions, parseDebianVersion } from './deb.js';

// Each pair is [older, newer], ordered by hand from deb-version(7).
const ascending: [string, string][] = [
  ['1.0~rc1', '1.0'],
  ['1.0~~', '1.0~'],
  ['1.0~', '1.0'],
  ['1.0', '1.0a'],
  ['1.0a', '1.0+'],
  ['1.0+', '1.0.1'],
  ['1.0', '1.0-1'],
  ['1.0-1', '1.0-1.1'],
  ['1.0-1~bpo1', '1.0-1'],
  ['2:0.1', '10:0.0'],
  ['9.9', '1:0.1'],
  ['1.2', '1.10'],
  ['1.0-9', '1.0-10'],
  ['1.0-Z', '1.0-a'],
  ['1:2.30-1ubuntu1', '1:2.30-1ubuntu2'],
  ['2.36.1-8', '2.36.1-8+deb12u1'],
  ['1:1.0:2-1', '1:1.0:3-1'],
];

const equal: [string, string][] = [
  ['1.0', '1.0-0'],
  ['0:1.0', '1.0'],
  ['1.01', '1.1'],
  ['1.0', '1.00'],
];

describe('compareDebianVersions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareDebianVersions(older, newer)).toBe(-1);
    expect(compareDebianVersions(newer, older)).toBe(1);
  });

  it.each(equal)('ranks %s equal to %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBe(0);
  });

  it.each(['', 'a1.0', '1.0-', ':1.0', 'x:1.0', '1:', '1.0 1', '1.0_1', '1.0-1_2', '4294967296:1'])(
    'rejects %j with VERSION_INVALID',
    (version) => {
      expect(() => parseDebianVersion(version)).toThrow(
        expect.objectContaining({ code: 'VERSION_INVALID' }),
      );
    },
  );

  it('splits epoch, upstream and the revision after the last hyphen', () => {
    expect(parseDebianVersion('2:1.0-rc-3')).toEqual({
      epoch: 2,
      upstream: '1.0-rc',
      revision: '3',
    });
  });
});
