/**
 * Version ordering for every ecosystem Moat matches advisories in. One comparator per ecosystem
 * lives in its own file; this entry point dispatches by ecosystem name and maps purl types to
 * ecosystems. Unparsable versions throw {@link VersionError} (code `VERSION_INVALID`).
 */
import { compareApkTokens, compareApkVersions, tokenizeApkVersion, type ApkToken } from './apk.js';
import {
  compareComposerVersions,
  normalizeComposerVersion,
  phpVersionCompare,
} from './composer.js';
import {
  compareDebianVersions,
  compareParsedDebianVersions,
  parseDebianVersion,
  type DebianVersion,
} from './deb.js';
import { compareGemSegments, compareGemVersions, parseGemVersion, type GemSegment } from './gem.js';
import { compareGoVersions, parseGoVersion } from './golang.js';
import {
  compareMavenVersions,
  compareParsedMavenVersions,
  parseMavenVersion,
  type MavenItem,
} from './maven.js';
import {
  compareNuGetVersions,
  compareParsedNuGetVersions,
  parseNuGetVersion,
  type NuGetVersion,
} from './nuget.js';
import { type Ordering } from './ordering.js';
import {
  compareParsedPep440Versions,
  comparePep440Versions,
  parsePep440Version,
  type Pep440Version,
} from './pep440.js';
import {
  compareParsedRpmVersions,
  compareRpmVersions,
  parseRpmVersion,
  type RpmVersion,
} from './rpm.js';
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

/** How one ecosystem's versions are parsed and how parsed versions are ordered. */
interface Grammar<P> {
  parse: (version: string) => P;
  compare: (a: P, b: P) => Ordering;
}

/** A grammar with its parsed type erased: the table pairs each parser with its own comparator. */
const grammar = <P>(
  parse: (v: string) => P,
  compare: (a: P, b: P) => Ordering,
): Grammar<unknown> => ({ parse, compare: compare as (a: unknown, b: unknown) => Ordering });

const grammars: Record<VersionEcosystem, Grammar<unknown>> = {
  deb: grammar(parseDebianVersion, compareParsedDebianVersions),
  apk: grammar(tokenizeApkVersion, compareApkTokens),
  rpm: grammar(parseRpmVersion, compareParsedRpmVersions),
  semver: grammar((v) => parseSemVer(v), compareParsedSemVer),
  npm: grammar(npmSemVer, compareParsedSemVer),
  cargo: grammar(cargoSemVer, compareParsedSemVer),
  nuget: grammar(parseNuGetVersion, compareParsedNuGetVersions),
  pypi: grammar(parsePep440Version, compareParsedPep440Versions),
  maven: grammar(parseMavenVersion, compareParsedMavenVersions),
  golang: grammar(parseGoVersion, compareParsedSemVer),
  gem: grammar(parseGemVersion, compareGemSegments),
  composer: grammar(normalizeComposerVersion, phpVersionCompare),
};

/** The grammar of `ecosystem`; a TypeError for a name that is none (JavaScript callers). */
function grammarOf(ecosystem: VersionEcosystem): Grammar<unknown> {
  const known = grammars[ecosystem] as Grammar<unknown> | undefined;
  if (known === undefined) throw new TypeError(`unknown version ecosystem: ${String(ecosystem)}`);
  return known;
}

/**
 * Orders two versions of one ecosystem: -1 when `a` sorts before `b`, 0 when equal, 1 after.
 * @example compareVersions('deb', '1:1.0~rc1-1', '1:1.0-1') // -1
 */
export function compareVersions(ecosystem: VersionEcosystem, a: string, b: string): Ordering {
  const { parse, compare } = grammarOf(ecosystem);
  return compare(parse(a), parse(b));
}

/**
 * A comparator for one ecosystem that remembers the last version parsed on each side: matching
 * compares one installed version against every event of a record's ranges, so the installed
 * version is parsed once per record instead of once per event. A parse failure is remembered as
 * well and thrown again as the same {@link VersionError}.
 * @example const cmp = memoizedComparator('deb'); cmp('1.0-1', '1.0-2') // -1
 */
export function memoizedComparator(
  ecosystem: VersionEcosystem,
): (a: string, b: string) => Ordering {
  const { parse, compare } = grammarOf(ecosystem);
  const side = () => {
    let text: string | undefined;
    let value: unknown;
    return (version: string): unknown => {
      if (version !== text) {
        text = version;
        try {
          value = parse(version);
        } catch (error) {
          if (!(error instanceof VersionError)) throw error;
          value = error;
        }
      }
      if (value instanceof VersionError) throw value;
      return value;
    };
  };
  const left = side();
  const right = side();
  return (a, b) => compare(left(a), right(b));
}

/** Parses a version with its ecosystem's grammar; throws {@link VersionError} when it does not fit. */
export function parseVersion(ecosystem: VersionEcosystem, version: string): ParsedVersion {
  // The grammars table pairs each ecosystem with the parser whose result ParsedVersion names.
  return { ecosystem, version: grammarOf(ecosystem).parse(version) } as ParsedVersion;
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
