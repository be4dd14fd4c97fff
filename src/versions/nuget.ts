/**
 * NuGet package versions, ordered like NuGet.Versioning's `VersionComparer.Default`: one to four
 * numeric parts (missing ones are 0, leading zeros allowed), SemVer 2.0 pre-release labels
 * compared case-insensitively, build metadata ignored.
 */
import { compareDigits, type Ordering } from './ordering.js';
import { comparePrereleases } from './semver.js';
import { VersionError } from './version-error.js';

/** A parsed NuGet version: always four numeric parts, pre-release labels lower-cased. */
export interface NuGetVersion {
  parts: [string, string, string, string];
  prerelease: string[];
  build: string[];
}

const LABEL = '[0-9A-Za-z-]+';
const NUGET = new RegExp(
  `^([0-9]+(?:\\.[0-9]+){0,3})(?:-(${LABEL}(?:\\.${LABEL})*))?(?:\\+(${LABEL}(?:\\.${LABEL})*))?$`,
);
const INT32_MAX = '2147483647';

/** Parses a NuGet version; throws {@link VersionError} for anything NuGet would reject. */
export function parseNuGetVersion(version: string): NuGetVersion {
  const fail = (reason: string): never => {
    throw new VersionError('nuget', version, reason);
  };
  const match = NUGET.exec(version);
  if (!match) return fail('not MAJOR[.MINOR[.PATCH[.REVISION]]][-pre][+build]');
  const numbers = match[1]!.split('.');
  if (numbers.some((n) => compareDigits(n, INT32_MAX) > 0)) fail('a numeric part exceeds Int32');
  while (numbers.length < 4) numbers.push('0');
  const prerelease = match[2] === undefined ? [] : match[2].toLowerCase().split('.');
  // SemVer 2.0 forbids leading zeros in numeric labels, and NuGet follows it.
  if (prerelease.some((label) => /^0[0-9]+$/.test(label)))
    fail('numeric label with a leading zero');
  return {
    parts: numbers as [string, string, string, string],
    prerelease,
    build: match[3] === undefined ? [] : match[3].split('.'),
  };
}

/** Compares two parsed NuGet versions: the four numbers, then the pre-release labels. */
export function compareParsedNuGetVersions(a: NuGetVersion, b: NuGetVersion): Ordering {
  for (let i = 0; i < 4; i++) {
    const byPart = compareDigits(a.parts[i]!, b.parts[i]!);
    if (byPart !== 0) return byPart;
  }
  // Labels are already lower-cased, which gives OrdinalIgnoreCase order on [0-9A-Za-z-].
  return comparePrereleases(a.prerelease, b.prerelease);
}

/** Orders two NuGet versions as NuGet's default version comparer does. */
export function compareNuGetVersions(a: string, b: string): Ordering {
  return compareParsedNuGetVersions(parseNuGetVersion(a), parseNuGetVersion(b));
}
