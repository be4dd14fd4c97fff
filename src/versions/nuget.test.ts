import { describe, expect, it } from 'vitest';

import { compareNuGetVersions, parseNuGetVersion } from './nuget.js';

// NuGet's documented precedence: four numeric parts, then SemVer 2.0 labels, case-insensitive.
const ascending: [string, string][] = [
  ['1.0', '1.0.0.1'],
  ['1.0.0.1', '1.0.1'],
  ['1.0.0-alpha', '1.0.0'],
  ['1.0.0-alpha', '1.0.0-Beta'],
  ['1.0.0-beta.2', '1.0.0-beta.10'],
  ['1.0.0-2', '1.0.0-alpha'],
  ['1.0.0.1-rc', '1.0.0.1'],
];

const equal: [string, string][] = [
  ['1.0', '1.0.0.0'],
  ['1', '1.0.0'],
  ['01.2', '1.2'],
  ['1.0.0-RC.1', '1.0.0-rc.1'],
  ['1.0.0+abc', '1.0.0+def'],
];

describe('compareNuGetVersions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareNuGetVersions(older, newer)).toBe(-1);
    expect(compareNuGetVersions(newer, older)).toBe(1);
  });

  it.each(equal)('ranks %s equal to %s', (a, b) => {
    expect(compareNuGetVersions(a, b)).toBe(0);
  });

  it.each(['v1.0.0', '1.0.0.0.0', '1.0.0-01', '1.0.0-', '2147483648.0', '1..0', ''])(
    'rejects %j with VERSION_INVALID',
    (version) => {
      expect(() => parseNuGetVersion(version)).toThrow(
        expect.objectContaining({ code: 'VERSION_INVALID' }),
      );
    },
  );
});
