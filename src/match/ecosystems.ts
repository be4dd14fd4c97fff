/**
 * Which OSV ecosystem(s) and package name to look an inventory package up under, and which
 * comparator orders its versions. OS packages are looked up by **source** package where the
 * distribution keys its data by source (Debian, Ubuntu, Alpine/Wolfi/Chainguard origin) and by
 * **binary** name where it keys by binary (the RPM distributions); the version compared is the
 * source version in the first case, since the advisories name source versions.
 */
import type { OsInfo, Package } from '../catalog/types.js';
import { memoizedComparator, type VersionEcosystem } from '../versions/index.js';
import type { Comparators } from './ranges.js';

/** How to query the database for one package. */
export interface PackageQuery {
  /** OSV ecosystems to query, most specific first (`Ubuntu:22.04:LTS`, `Ubuntu:22.04`). */
  ecosystems: string[];
  /** The package name as the ecosystem's advisories write it. */
  name: string;
  /** The version to evaluate ranges with (the source version for source-keyed distros). */
  version: string;
  /** The comparator family of the ecosystem. */
  versionEcosystem: VersionEcosystem;
}

/** Why a package cannot be queried. */
export interface UnmatchablePackage {
  reason: string;
}

/**
 * The query for `pkg` in an image running `os`, or why there is none (an OS package on an
 * unknown or release-less distribution).
 * @example queryFor(libc6, { family: 'debian', version: '12' }) // { ecosystems: ['Debian:12'], name: 'glibc', … }
 */
export function queryFor(pkg: Package, os: OsInfo | undefined): PackageQuery | UnmatchablePackage {
  switch (pkg.type) {
    case 'deb':
    case 'apk':
    case 'rpm':
      return osQuery(pkg, os);
    case 'npm':
      return lang(pkg, 'npm', pkg.namespace ? `${pkg.namespace}/${pkg.name}` : pkg.name, 'npm');
    case 'pypi':
      return lang(pkg, 'PyPI', pep503(pkg.name), 'pypi');
    case 'golang':
      // The catalogers name the Go toolchain `stdlib`, as OSV's Go database does.
      return lang(pkg, 'Go', pkg.name, 'golang');
    case 'maven':
      return lang(pkg, 'Maven', pkg.namespace ? `${pkg.namespace}:${pkg.name}` : pkg.name, 'maven');
    case 'gem':
      return lang(pkg, 'RubyGems', pkg.name, 'gem');
    case 'cargo':
      return lang(pkg, 'crates.io', pkg.name, 'cargo');
    case 'composer':
      return lang(
        pkg,
        'Packagist',
        pkg.namespace ? `${pkg.namespace}/${pkg.name}` : pkg.name,
        'composer',
      );
    case 'nuget':
      return lang(pkg, 'NuGet', pkg.name, 'nuget');
  }
}

/**
 * Comparators for a query: its ecosystem's, and SemVer (`v` prefix tolerated) for SEMVER ranges.
 * Each remembers the last version parsed on either side, so the installed version is parsed
 * once per range rather than once per event.
 */
export function comparatorsFor(versionEcosystem: VersionEcosystem): Comparators {
  return {
    ecosystem: memoizedComparator(versionEcosystem),
    semver: memoizedComparator('golang'),
  };
}

/** PEP 503 name normalisation, as the PyPI advisories are indexed. */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function lang(
  pkg: Package,
  ecosystem: string,
  name: string,
  versionEcosystem: VersionEcosystem,
): PackageQuery {
  return { ecosystems: [ecosystem], name, version: pkg.version, versionEcosystem };
}

function osQuery(pkg: Package, os: OsInfo | undefined): PackageQuery | UnmatchablePackage {
  if (!os) return { reason: `${pkg.type} package ${pkg.name}: the image's OS is unknown` };
  const ecosystems = distroEcosystems(os);
  if (ecosystems.length === 0) {
    const release = os.version || os.codename || 'unknown release';
    return {
      reason: `${pkg.type} package ${pkg.name}: no OSV ecosystem for ${os.family} ${release}`,
    };
  }
  const versionEcosystem: VersionEcosystem = pkg.type;
  if (pkg.type === 'rpm') {
    return { ecosystems, name: pkg.name, version: pkg.version, versionEcosystem };
  }
  const source = pkg.source ?? { name: pkg.name, version: pkg.version };
  return { ecosystems, name: source.name, version: source.version, versionEcosystem };
}

const debianCodenames: Readonly<Record<string, string>> = {
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
};

/**
 * The OSV ecosystems holding advisories for a distribution release, most specific first; empty
 * when Moat knows none. Red Hat splits its data by repository, so every RHEL repository
 * ecosystem of the major release is listed.
 * @example distroEcosystems({ family: 'alpine', version: '3.20.1' }) // ['Alpine:v3.20']
 */
export function distroEcosystems(os: OsInfo): string[] {
  const [major = '', minor] = os.version.split('.');
  switch (os.family) {
    case 'debian': {
      const release = /^\d+$/.test(major) ? major : debianCodenames[os.codename ?? ''];
      return release ? [`Debian:${release}`] : [];
    }
    case 'ubuntu':
      return minor === undefined
        ? []
        : [`Ubuntu:${major}.${minor}:LTS`, `Ubuntu:${major}.${minor}`];
    case 'alpine':
      return minor === undefined ? [] : [`Alpine:v${major}.${minor}`];
    case 'wolfi':
      return ['Wolfi'];
    case 'chainguard':
      return ['Chainguard'];
    case 'almalinux':
      return major ? [`AlmaLinux:${major}`] : [];
    case 'rocky':
      return major ? [`Rocky Linux:${major}`] : [];
    case 'rhel':
      return major ? redHatEcosystems(major, minor) : [];
    case 'sles':
    case 'sles_sap':
      return major ? [`SUSE:Linux Enterprise Server ${major}${minor ? ` SP${minor}` : ''}`] : [];
    case 'opensuse-leap':
      return os.version ? [`openSUSE:Leap ${os.version}`] : [];
    case 'opensuse-tumbleweed':
      return ['openSUSE:Tumbleweed'];
    default:
      return [];
  }
}

/** RHEL ecosystems as OSV writes them: `Red Hat:enterprise_linux:9::baseos`, `…:10.0` from 10 on. */
function redHatEcosystems(major: string, minor: string | undefined): string[] {
  const base = `Red Hat:enterprise_linux:${major}`;
  const out = [`${base}::baseos`, `${base}::appstream`, `${base}::crb`, base];
  if (Number(major) >= 10 && minor !== undefined) out.push(`${base}.${minor}`);
  return out;
}
