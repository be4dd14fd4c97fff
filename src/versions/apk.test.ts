import { describe, expect, it } from 'vitest';

import { compareApkVersions, tokenizeApkVersion } from './apk.js';

// Each pair is [older, newer], from apk-tools' version grammar and comparison rules.
const ascending: [string, string][] = [
  ['1.0_alpha', '1.0_beta'],
  ['1.0_beta', '1.0_pre'],
  ['1.0_pre', '1.0_rc'],
  ['1.0_rc1', '1.0'],
  ['1.0', '1.0_cvs'],
  ['1.0_cvs', '1.0_svn'],
  ['1.0_svn', '1.0_git'],
  ['1.0_git', '1.0_hg'],
  ['1.0_hg', '1.0_p1'],
  ['1.0_rc1', '1.0_rc2'],
  ['1.0_p1', '1.0_p10'],
  ['1.0', '1.0a'],
  ['1.0a', '1.0b'],
  ['1.0a', '1.0.1'],
  ['1.0', '1.0-r1'],
  ['1.0-r1', '1.0-r2'],
  ['1.0-r9', '1.0-r10'],
  ['1.0_p1-r5', '1.0.1'],
  ['1.2', '1.10'],
  ['1.01', '1.1'],
  ['1.001', '1.01'],
  ['1.0', '1.0~abc'],
  ['1.0~abc', '1.0~abd'],
  // A commit hash is a token kind before the revision, so the version going on with it is newer.
  ['1.0-r1', '1.0~abc'],
  ['1.0_alpha1', '1.0_alpha1_p1'],
];

describe('compareApkVersions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareApkVersions(older, newer)).toBe(-1);
    expect(compareApkVersions(newer, older)).toBe(1);
  });

  it('ranks a version equal to itself', () => {
    expect(compareApkVersions('1.2.3_rc1_p2-r4', '1.2.3_rc1_p2-r4')).toBe(0);
  });

  it.each(['', 'a1', '1.0_foo', '1.0-1', '1.0a1', '1.0-r1_p1', '1.0.', '1.0~', '1.0-r', '1.0 '])(
    'rejects %j with VERSION_INVALID',
    (version) => {
      expect(() => tokenizeApkVersion(version)).toThrow(
        expect.objectContaining({ code: 'VERSION_INVALID' }),
      );
    },
  );
});
