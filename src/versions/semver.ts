/**
 * Semantic Versioning 2.0.0 precedence (semver.org §11), as npm's `semver` package and Cargo
 * apply it: `MAJOR.MINOR.PATCH[-prerelease][+build]`, build metadata ignored for ordering.
 */
import { compareDigits, compareStrings, type Ordering } from './ordering.js';
import { VersionError } from './version-error.js';

/** A parsed SemVer 2.0 version; numeric parts are kept as digit strings (any size). */
export interface SemVer {
  major: string;
  minor: string;
  patch: string;
  prerelease: string[];
  build: string[];
}

/** How lenient a SemVer dialect is about the text around the version. */
export interface SemVerDialect {
  /** Name used in errors. */
  ecosystem: string;
  /** Whether a leading `v` is accepted (npm accepts one; Cargo does not). */
  allowVPrefix: boolean;
}

const NUMBER = '0|[1-9][0-9]*';
const PRERELEASE_ID = `(?:${NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const SEMVER = new RegExp(
  `^(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
    `(?:-(${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*))?` +
    `(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`,
);

/** Parses a SemVer 2.0 version in the given dialect; throws {@link VersionError} otherwise. */
export function parseSemVer(
  version: string,
  dialect: SemVerDialect = { ecosystem: 'semver', allowVPrefix: false },
): SemVer {
  const text = dialect.allowVPrefix && version.startsWith('v') ? version.slice(1) : version;
  const match = SEMVER.exec(text);
  if (!match)
    throw new VersionError(dialect.ecosystem, version, 'not MAJOR.MINOR.PATCH[-pre][+build]');
  return {
    major: match[1]!,
    minor: match[2]!,
    patch: match[3]!,
    prerelease: match[4] === undefined ? [] : match[4].split('.'),
    build: match[5] === undefined ? [] : match[5].split('.'),
  };
}

const isNumeric = (id: string): boolean => /^[0-9]+$/.test(id);

/** SemVer §11.4: numeric identifiers by value, below alphanumeric ones, which sort in ASCII order. */
export function comparePrereleaseIdentifiers(a: string, b: string): Ordering {
  const numericA = isNumeric(a);
  const numericB = isNumeric(b);
  if (numericA && numericB) return compareDigits(a, b);
  if (numericA !== numericB) return numericA ? -1 : 1;
  return compareStrings(a, b);
}

/** Compares two pre-release lists; an empty list (a release) sorts after any pre-release. */
export function comparePrereleases(a: readonly string[], b: readonly string[]): Ordering {
  if (a.length === 0 || b.length === 0) {
    return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const byId = comparePrereleaseIdentifiers(a[i]!, b[i]!);
    if (byId !== 0) return byId;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** SemVer precedence of two parsed versions (build metadata ignored). */
export function compareParsedSemVer(a: SemVer, b: SemVer): Ordering {
  return (
    compareDigits(a.major, b.major) ||
    compareDigits(a.minor, b.minor) ||
    compareDigits(a.patch, b.patch) ||
    comparePrereleases(a.prerelease, b.prerelease)
  );
}

/** Orders two strict SemVer 2.0 versions (no `v` prefix) by precedence. */
export function compareSemVer(a: string, b: string): Ordering {
  return compareParsedSemVer(parseSemVer(a), parseSemVer(b));
}
