import { describe, expect, it } from 'vitest';

import {
  compareVersions,
  ecosystemForPurlType,
  isValidVersion,
  memoizedComparator,
  parseVersion,
  VersionError,
  versionEcosystems,
  type VersionEcosystem,
} from './index.js';

describe('compareVersions', () => {
  it('dispatches to the ecosystem named', () => {
    expect(compareVersions('deb', '1.0~rc1', '1.0')).toBe(-1);
    expect(compareVersions('pypi', '1.0rc1', '1.0')).toBe(-1);
    expect(compareVersions('maven', '1.0-rc1', '1.0')).toBe(-1);
  });

  it('gives npm a leading v but not Cargo', () => {
    expect(compareVersions('npm', 'v1.0.0', '1.0.0')).toBe(0);
    expect(() => compareVersions('cargo', 'v1.0.0', '1.0.0')).toThrow(VersionError);
  });

  it('throws a VersionError naming the ecosystem and the version', () => {
    const error: unknown = (() => {
      try {
        compareVersions('rpm', '1.0', '');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(VersionError);
    expect(error).toMatchObject({
      code: 'VERSION_INVALID',
      ecosystem: 'rpm',
      version: '',
      isInputError: true,
    });
  });

  it('refuses an ecosystem it does not know instead of guessing', () => {
    expect(() => compareVersions('conan' as never, '1', '2')).toThrow(TypeError);
  });
});

describe('parseVersion and isValidVersion', () => {
  it('tags the parsed version with its ecosystem', () => {
    expect(parseVersion('composer', 'v1.2')).toEqual({ ecosystem: 'composer', version: '1.2.0.0' });
  });

  it.each(versionEcosystems)('has %s reject a version with a space in it', (ecosystem) => {
    expect(isValidVersion(ecosystem, '1.0 beta')).toBe(false);
  });
});

describe('ecosystemForPurlType', () => {
  it.each([
    ['deb', 'deb'],
    ['apk', 'apk'],
    ['rpm', 'rpm'],
    ['npm', 'npm'],
    ['cargo', 'cargo'],
    ['nuget', 'nuget'],
    ['pypi', 'pypi'],
    ['maven', 'maven'],
    ['golang', 'golang'],
    ['gem', 'gem'],
    ['composer', 'composer'],
  ])('maps purl type %s to %s', (type, ecosystem) => {
    expect(ecosystemForPurlType(type)).toBe(ecosystem);
  });

  it('has no ecosystem for a purl type without a comparator', () => {
    expect(ecosystemForPurlType('docker')).toBeUndefined();
    expect(ecosystemForPurlType('constructor')).toBeUndefined();
  });
});

describe('memoizedComparator', () => {
  it('throws the same VersionError for an unparsable version every time', () => {
    const cmp = memoizedComparator('deb');
    const first = (() => {
      try {
        cmp('1.0', 'not a version!');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(first).toBeInstanceOf(VersionError);
    expect(() => cmp('2.0', 'not a version!')).toThrow(first);
    expect(cmp('1.0', '1.0')).toBe(0);
  });

  it('rejects an unknown ecosystem', () => {
    expect(() => memoizedComparator('cobol' as VersionEcosystem)).toThrow(TypeError);
  });
});
