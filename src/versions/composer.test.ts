import { describe, expect, it } from 'vitest';

import {
  compareComposerVersions,
  normalizeComposerVersion,
  phpVersionCompare,
} from './composer.js';

// Composer's stability order: dev < alpha < beta < RC < stable < patch.
const ascending: [string, string][] = [
  ['1.0.0-dev', '1.0.0-alpha1'],
  ['1.0.0-alpha1', '1.0.0-alpha2'],
  ['1.0.0-alpha2', '1.0.0-beta1'],
  ['1.0.0-beta1', '1.0.0-RC1'],
  ['1.0.0-RC1', '1.0.0'],
  ['1.0.0', '1.0.0-p1'],
  ['1.0.0-p1', '1.0.1'],
  ['1.0.0-beta1-dev', '1.0.0-beta1'],
  ['1.9', '1.10'],
  ['1.0', '1.0.0.1'],
  ['2010.01.02', '2010.01.03'],
];

const equal: [string, string][] = [
  ['1.0', '1.0.0.0'],
  ['v1.0.0', '1.0.0'],
  ['1.0.0-a1', '1.0.0-alpha1'],
  ['1.0.0-rc.1', '1.0.0-RC1'],
  ['1.0.0-pl2', '1.0.0-patch2'],
  ['1.0.0-stable', '1.0.0'],
  ['1.0.0+build.5', '1.0.0'],
];

describe('compareComposerVersions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareComposerVersions(older, newer)).toBe(-1);
    expect(compareComposerVersions(newer, older)).toBe(1);
  });

  it.each(equal)('ranks %s equal to %s', (a, b) => {
    expect(compareComposerVersions(a, b)).toBe(0);
  });

  it('normalises like VersionParser::normalize', () => {
    expect(normalizeComposerVersion('v1.2-beta.2')).toBe('1.2.0.0-beta2');
    expect(normalizeComposerVersion('1.0.0-alpha1-dev')).toBe('1.0.0.0-alpha1-dev');
    expect(normalizeComposerVersion('2010-01-02')).toBe('2010.01.02');
  });

  it('ranks unknown words below dev, as PHP version_compare does', () => {
    expect(phpVersionCompare('1.0-foo', '1.0-dev')).toBe(-1);
  });

  it.each(['dev-main', '1.x-dev', 'latest', '', '1.0-gamma', '1.0.0.0.0'])(
    'rejects %j with VERSION_INVALID',
    (version) => {
      expect(() => normalizeComposerVersion(version)).toThrow(
        expect.objectContaining({ code: 'VERSION_INVALID' }),
      );
    },
  );
});
