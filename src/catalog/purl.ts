/**
 * Package URLs (purl spec) for every package Moat catalogs, made with packageurl-js. OS packages
 * carry the distribution as namespace and `distro` qualifier, as Trivy and Syft write them.
 */
import { PackageURL } from 'packageurl-js';

import { isValidVersion } from '../versions/index.js';
import type { FoundPackage, OsInfo } from './types.js';

/** Namespaces of OS package purls for families whose os-release ID differs from the purl's. */
const osNamespaces: Record<string, string> = {
  rhel: 'redhat',
  ol: 'oracle',
  amzn: 'amazon',
  'opensuse-leap': 'opensuse',
  sles: 'suse',
};

/** Normalises a Python project name as PEP 503 does (and the purl spec requires). */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Builds the purl of a package found in an image whose OS is `os` (when known).
 *
 * @example purlFor({ type: 'npm', namespace: '@babel', name: 'core', version: '7.0.0', licenses: [] })
 * // 'pkg:npm/%40babel/core@7.0.0'
 */
export function purlFor(pkg: FoundPackage, os?: OsInfo): string {
  let namespace = pkg.namespace;
  let name = pkg.name;
  const qualifiers: Record<string, string> = {};
  switch (pkg.type) {
    case 'deb':
    case 'apk':
    case 'rpm':
      namespace = os
        ? ((Object.hasOwn(osNamespaces, os.family) ? osNamespaces[os.family] : undefined) ??
          os.family)
        : undefined;
      if (pkg.arch) qualifiers.arch = pkg.arch;
      if (pkg.type === 'rpm' && typeof pkg.metadata?.epoch === 'number' && pkg.metadata.epoch > 0) {
        qualifiers.epoch = String(pkg.metadata.epoch);
      }
      if (os) qualifiers.distro = os.version ? `${os.family}-${os.version}` : os.family;
      break;
    case 'pypi':
      name = normalizePypiName(name);
      break;
    case 'golang': {
      const slash = name.lastIndexOf('/');
      if (!namespace && slash > 0) {
        namespace = name.slice(0, slash);
        name = name.slice(slash + 1);
      }
      break;
    }
    default:
      break;
  }
  const version =
    pkg.type === 'rpm'
      ? rpmPurlVersion(pkg.version)
      : pkg.type === 'golang'
        ? goPurlVersion(pkg.name, pkg.version)
        : pkg.version;
  return new PackageURL(
    pkg.type,
    namespace || undefined,
    name,
    version || undefined,
    Object.keys(qualifiers).length > 0 ? qualifiers : undefined,
    undefined,
  ).toString();
}

/**
 * The purl of a package, or why it has none: packageurl-js refuses some packages the catalogers
 * can still report (a Maven archive known only by its file name has no groupId, which the purl
 * spec requires), and one such package must cost a warning, never the whole inventory.
 */
export function tryPurlFor(
  pkg: FoundPackage,
  os?: OsInfo,
): { purl: string } | { purl?: undefined; reason: string } {
  try {
    return { purl: purlFor(pkg, os) };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Go build info writes `(devel)` for a main module built from a work tree, and replaced modules
 * may carry the placeholder `v0.0.0-00010101000000-000000000000`: neither is a version, and a purl
 * carrying one would name a release that does not exist. Only Go module versions (and Go release
 * names such as `1.22rc1` for the standard library) go into the purl.
 */
function goPurlVersion(name: string, version: string): string | undefined {
  if (version === ZERO_PSEUDO_VERSION) return undefined;
  if (isValidVersion('golang', version)) return version;
  return name === 'stdlib' && GO_RELEASE.test(version) ? version : undefined;
}

const ZERO_PSEUDO_VERSION = 'v0.0.0-00010101000000-000000000000';
const GO_RELEASE = /^\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?$/;

/** The purl spec puts an RPM epoch in the `epoch` qualifier, not in the version. */
function rpmPurlVersion(version: string): string {
  const colon = version.indexOf(':');
  return colon >= 0 && /^\d+$/.test(version.slice(0, colon)) ? version.slice(colon + 1) : version;
}
