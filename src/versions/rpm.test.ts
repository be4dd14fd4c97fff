import { describe, expect, it } from 'vitest';

import { compareRpmVersions, parseRpmVersion } from './rpm.js';

// Each pair is [older, newer], from rpm's rpmvercmp rules and its test suite's documented cases.
const ascending: [string, string][] = [
  ['1.0', '1.0.1'],
  ['1.0~rc1', '1.0'],
  ['1.0~rc1', '1.0~rc2'],
  ['1.0~~', '1.0~'],
  ['1.0', '1.0^'],
  ['1.0^', '1.0^git1'],
  ['1.0^git1', '1.0.1'],
  ['1.0~rc1^git1', '1.0~rc1.1'],
  ['1.0a', '1.0.1'],
  ['a', '1'],
  ['2.0', '10.0'],
  ['1.0', '1:0.1'],
  ['1.0-1', '1.0-2'],
  ['1.0-1.el9', '1.0-1.el9_2'],
  ['1.0-9', '1.0-10'],
  ['1.0-1~beta', '1.0-1'],
  ['1.0', '1.0-'],
  ['1.0', '1.0-0'],
];

const equal: [string, string][] = [
  ['1.0', '0:1.0'],
  ['1.0', ':1.0'],
  ['1.0', '1_0'],
  ['1.001', '1.1'],
  ['1..0', '1.0'],
];

describe('compareRpmVersions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareRpmVersions(older, newer)).toBe(-1);
    expect(compareRpmVersions(newer, older)).toBe(1);
  });

  it.each(equal)('ranks %s equal to %s', (a, b) => {
    expect(compareRpmVersions(a, b)).toBe(0);
  });

  it.each(['', '1.0 1', '1:', '-1', '1.0\t'])('rejects %j with VERSION_INVALID', (version) => {
    expect(() => parseRpmVersion(version)).toThrow(
      expect.objectContaining({ code: 'VERSION_INVALID' }),
    );
  });

  it('leaves the release undefined when there is none', () => {
    expect(parseRpmVersion('3:2.1')).toEqual({ epoch: '3', version: '2.1', release: undefined });
  });
});
