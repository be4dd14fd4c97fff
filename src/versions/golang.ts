/**
 * Go module versions, ordered like golang.org/x/mod/semver: SemVer with a `v` prefix (optional
 * here, since OSV's Go records omit it), the `vMAJOR` and `vMAJOR.MINOR` shorthands, and build
 * metadata such as `+incompatible` ignored. Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
 * `v1.2.4-0.20191109021931-daa7c04131f5`, `v1.2.4-pre.0.20191109021931-daa7c04131f5`) are
 * pre-releases, so SemVer precedence already places them where the Go toolchain does.
 */
import { type Ordering } from './ordering.js';
import { compareParsedSemVer, parseSemVer, type SemVer } from './semver.js';
import { VersionError } from './version-error.js';

const SHORTHAND = /^(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/;
// The pseudo-version forms of cmd/go's module.IsPseudoVersion.
const PSEUDO =
  /^v?[0-9]+\.(?:0\.0-|[0-9]+\.[0-9]+-(?:[^+]*\.)?0\.)[0-9]{14}-[A-Za-z0-9]+(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Parses a Go module version (`v1.2.3`, `1.2.3`, `v1.2`, `v1`, pseudo-versions, `+incompatible`). */
export function parseGoVersion(version: string): SemVer {
  const text = version.startsWith('v') ? version.slice(1) : version;
  const short = SHORTHAND.exec(text);
  if (short)
    return { major: short[1]!, minor: short[2] ?? '0', patch: '0', prerelease: [], build: [] };
  try {
    return parseSemVer(text, { ecosystem: 'golang', allowVPrefix: false });
  } catch {
    throw new VersionError(
      'golang',
      version,
      'not a Go module version (vMAJOR.MINOR.PATCH[-pre][+build])',
    );
  }
}

/** True when the version is a Go pseudo-version (a commit rather than a tag). */
export function isGoPseudoVersion(version: string): boolean {
  parseGoVersion(version);
  return PSEUDO.test(version);
}

/** Orders two Go module versions as `semver.Compare` in golang.org/x/mod does. */
export function compareGoVersions(a: string, b: string): Ordering {
  return compareParsedSemVer(parseGoVersion(a), parseGoVersion(b));
}
