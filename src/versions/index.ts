/**
 * Version ordering for every ecosystem Moat matches advisories in. One comparator per ecosystem
 * lives in its own file; this entry point dispatches by ecosystem name and maps purl types to
 * ecosystems. Unparsable versions throw {@link VersionError} (code `VERSION_INVALID`).
 */
import { compareApkVersions, tokenizeApkVersion, type ApkToken } from './apk.js';
import { compareComposerVersions, normalizeComposerVersion } from './composer.js';
import { compareDebianVersions, parseDebianVersion, type DebianVersion } from './deb.js';
import { compareGemVersions, parseGemVersion, type GemSegment } from './gem.js';
import { compareGoVersions, parseGoVersion } from './golang.js';
import { compareMavenVersions, parseMavenVersion, type MavenItem } from './maven.js';
import { compareNuGetVersions, parseNuGetVersion, type NuGetVersion } from './nuget.js';
import { type Ordering } from './ordering.js';
import { comparePep440Versions, parsePep440Version, type Pep440Version } from './pep440.js';
import { compareRpmVersions, parseRpmVersion, type RpmVersion } from './rpm.js';
import { compareParsedSemVer, parseSemVer, type SemVer } from './semver.js';

import { VersionError } from './version-error.js';

export { VersionError };
export type { Ordering } from './ordering.js';
export type {
  ApkToken,
  DebianVersion,
  GemSegment,
  MavenItem,
  NuGetVersion,
  Pep440Version,
  RpmVersion,
  SemVer,
};

/** Every ecosystem with a comparator; `npm` and `cargo` use SemVer rules. */
export const versionEcosystems = [
  'deb',
  'apk',
  'rpm',
  'semver',
  'npm',
  'cargo',
  'nuget',
  'pypi',
  'maven',
  'golang',
  'gem',
  'composer',
] as const;

/** An ecosystem whose versions Moat can order. */
export type VersionEcosystem = (typeof versionEcosystems)[number];

/** A version parsed by its ecosystem's grammar, tagged with the ecosystem. */
export type ParsedVersion =
  | { ecosystem: 'deb'; version: DebianVersion }
  | { ecosystem: 'apk'; version: ApkToken[] }
  | { ecosystem: 'rpm'; version: RpmVersion }
  | { ecosystem: 'semver' | 'npm' | 'cargo' | 'golang'; version: SemVer }
  | { ecosystem: 'nuget'; version: NuGetVersion }
  | { ecosystem: 'pypi'; version: Pep440Version }
  | { ecosystem: 'maven'; version: MavenItem[] }
  | { ecosystem: 'gem'; version: GemSegment[] }
  | { ecosystem: 'composer'; version: string };

const npmSemVer = (v: string): SemVer => parseSemVer(v, { ecosystem: 'npm', allowVPrefix: true });
const cargoSemVer = (v: string): SemVer =>
  parseSemVer(v, { ecosystem: 'cargo', allowVPrefix: false });

const comparators: Record<VersionEcosystem, (a: string, b: string) => Ordering> = {
  deb: compareDebianVersions,
  apk: compareApkVersions,
  rpm: compareRpmVersions,
  semver: (a, b) => compareParsedSemVer(parseSemVer(a), parseSemVer(b)),
  npm: (a, b) => compareParsedSemVer(npmSemVer(a), npmSemVer(b)),
  cargo: (a, b) => compareParsedSemVer(cargoSemVer(a), cargoSemVer(b)),
  nuget: compareNuGetVersions,
  pypi: comparePep440Versions,
  maven: compareMavenVersions,
  golang: compareGoVersions,
  gem: compareGemVersions,
  composer: compareComposerVersions,
};

/**
 * Orders two versions of one ecosystem: -1 when `a` sorts before `b`, 0 when equal, 1 after.
 * @example compareVersions('deb', '1:1.0~rc1-1', '1:1.0-1') // -1
 */
export function compareVersions(ecosystem: VersionEcosystem, a: string, b: string): Ordering {
  const compare = comparators[ecosystem];
  if (compare === undefined) throw new TypeError(`unknown version ecosystem: ${String(ecosystem)}`);
  return compare(a, b);
}

/** Parses a version with its ecosystem's grammar; throws {@link VersionError} when it does not fit. */
export function parseVersion(ecosystem: VersionEcosystem, version: string): ParsedVersion {
  switch (ecosystem) {
    case 'deb':
      return { ecosystem, version: parseDebianVersion(version) };
    case 'apk':
      return { ecosystem, version: tokenizeApkVersion(version) };
    case 'rpm':
      return { ecosystem, version: parseRpmVersion(version) };
    case 'semver':
      return { ecosystem, version: parseSemVer(version) };
    case 'npm':
      return { ecosystem, version: npmSemVer(version) };
    case 'cargo':
      return { ecosystem, version: cargoSemVer(version) };
    case 'golang':
      return { ecosystem, version: parseGoVersion(version) };
    case 'nuget':
      return { ecosystem, version: parseNuGetVersion(version) };
    case 'pypi':
      return { ecosystem, version: parsePep440Version(version) };
    case 'maven':
      return { ecosystem, version: parseMavenVersion(version) };
    case 'gem':
      return { ecosystem, version: parseGemVersion(version) };
    case 'composer':
      return { ecosystem, version: normalizeComposerVersion(version) };
  }
}

/** True when the ecosystem's comparator can parse the version. */
export function isValidVersion(ecosystem: VersionEcosystem, version: string): boolean {
  try {
    parseVersion(ecosystem, version);
    return true;
  } catch (error) {
    if (error instanceof VersionError) return false;
    throw error;
  }
}

const purlTypes: Record<string, VersionEcosystem> = {
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  cargo: 'cargo',
  nuget: 'nuget',
  pypi: 'pypi',
  maven: 'maven',
  golang: 'golang',
  gem: 'gem',
  composer: 'composer',
};

/** The ecosystem whose comparator orders versions of a purl type, or undefined if none does. */
export function ecosystemForPurlType(type: string): VersionEcosystem | undefined {
  return Object.hasOwn(purlTypes, type.toLowerCase()) ? purlTypes[type.toLowerCase()] : undefined;
}

export {
  compareApkVersions,
  compareComposerVersions,
  compareDebianVersions,
  compareGemVersions,
  compareGoVersions,
  compareMavenVersions,
  compareNuGetVersions,
  comparePep440Versions,
  compareRpmVersions,
};
