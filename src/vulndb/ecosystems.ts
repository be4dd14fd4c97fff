/**
 * OSV ecosystem strings as OSV writes them (`Debian:12`, `Alpine:v3.20`, `Ubuntu:22.04:LTS`,
 * `npm`…): their release-less family, whether Moat knows them, and package-name normalisation.
 */

/** Ecosystem families Moat catalogs packages for; records of others are imported but reported. */
export const knownEcosystemFamilies: ReadonlySet<string> = new Set([
  'AlmaLinux',
  'Alpine',
  'Chainguard',
  'crates.io',
  'Debian',
  'Go',
  'Maven',
  'npm',
  'NuGet',
  'openSUSE',
  'Packagist',
  'PyPI',
  'Red Hat',
  'Rocky Linux',
  'RubyGems',
  'SUSE',
  'Ubuntu',
  'Wolfi',
]);

/**
 * The release-less family of an ecosystem: the part before the first `:`.
 * @example ecosystemFamily('Ubuntu:22.04:LTS') // 'Ubuntu'
 */
export function ecosystemFamily(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

/** True when Moat catalogs packages of this ecosystem's family. */
export function isKnownEcosystem(ecosystem: string): boolean {
  return knownEcosystemFamilies.has(ecosystemFamily(ecosystem));
}

/**
 * The name under which a package is indexed: PyPI names are PEP 503-normalised (lower case,
 * runs of `-`, `_`, `.` become one `-`); every other ecosystem's names are kept as written,
 * since npm, Go and Maven names are case-sensitive.
 * @example normalizePackageName('PyPI', 'Zope.Interface') // 'zope-interface'
 */
export function normalizePackageName(ecosystem: string, name: string): string {
  if (ecosystemFamily(ecosystem) === 'PyPI') return name.toLowerCase().replace(/[-_.]+/g, '-');
  return name;
}
