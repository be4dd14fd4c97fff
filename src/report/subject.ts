/**
 * The subject every SBOM describes: the scanned image's display name, version, package URL and
 * creation time, plus the one package order all formats share. Derived only from the inventory.
 */
import { PackageURL } from 'packageurl-js';
import type { Inventory, Package } from '../catalog/types.js';
import { MoatError } from '../errors.js';
import { compareText } from '../util/order.js';

/** The name the image goes by: its repository name, else the target as the user typed it. */
export function subjectName(inventory: Inventory): string {
  return inventory.artifact.name !== '' ? inventory.artifact.name : inventory.target;
}

/** The tag of the first `repo:tag` the image carries, if any. */
export function subjectTag(inventory: Inventory): string | undefined {
  const repoTag = inventory.artifact.repoTags[0];
  if (repoTag === undefined) return undefined;
  const colon = repoTag.lastIndexOf(':');
  return colon > repoTag.lastIndexOf('/') ? repoTag.slice(colon + 1) : undefined;
}

/** The image's version as SBOMs state it: the manifest digest, else the tag. */
export function subjectVersion(inventory: Inventory): string | undefined {
  return inventory.artifact.manifestDigest ?? subjectTag(inventory);
}

/**
 * The image's `pkg:oci` package URL (purl spec: name = last path segment, version = manifest
 * digest); undefined without a manifest digest, which the oci type requires.
 */
export function subjectPurl(inventory: Inventory): string | undefined {
  const { manifestDigest, platform } = inventory.artifact;
  if (manifestDigest === undefined) return undefined;
  const name = subjectName(inventory);
  const qualifiers: Record<string, string> = {};
  if (platform !== undefined) qualifiers.arch = platform.architecture;
  if (name.includes('/')) qualifiers.repository_url = name;
  const tag = subjectTag(inventory);
  if (tag !== undefined) qualifiers.tag = tag;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  return new PackageURL('oci', undefined, lastSegment, manifestDigest, qualifiers).toString();
}

/** The inventory's creation time; an unparsable timestamp is a bug upstream, not user input. */
export function createdAtOf(inventory: Inventory): Date {
  const date = new Date(inventory.createdAt);
  if (Number.isNaN(date.getTime())) {
    throw new MoatError(
      'INTERNAL',
      `inventory createdAt is not a timestamp: ${inventory.createdAt}`,
    );
  }
  return date;
}

/**
 * The packages in the order every format prints them: type, name, version, path, purl, compared
 * by code unit so the result never depends on the machine's locale.
 */
export function sortedPackages(inventory: Inventory): Package[] {
  return [...inventory.packages].sort(
    (a, b) =>
      compareText(a.type, b.type) ||
      compareText(a.name, b.name) ||
      compareText(a.version, b.version) ||
      compareText(a.path, b.path) ||
      compareText(a.purl ?? '', b.purl ?? ''),
  );
}

/**
 * A package's name as its ecosystem writes it in full: `@scope/name` for npm, `group:artifact` for
 * Maven, `vendor/name` for Composer; other names already are.
 * @example qualifiedName({ type: 'maven', namespace: 'org.slf4j', name: 'slf4j-api', … }) // 'org.slf4j:slf4j-api'
 */
export function qualifiedName(pkg: Package): string {
  const namespace = pkg.namespace ?? '';
  if (namespace === '') return pkg.name;
  switch (pkg.type) {
    case 'npm': {
      const scope = `@${namespace.replace(/^@/, '')}`;
      return pkg.name.startsWith(`${scope}/`) ? pkg.name : `${scope}/${pkg.name}`;
    }
    case 'maven':
      return pkg.name.includes(':') ? pkg.name : `${namespace}:${pkg.name}`;
    case 'composer':
      return pkg.name.includes('/') ? pkg.name : `${namespace}/${pkg.name}`;
    default:
      return pkg.name;
  }
}
