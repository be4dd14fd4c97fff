/**
 * Moat's own report JSON (`--format json`): the inventory in the stable shape of
 * {@link reportSchema}, with empty finding sections until `moat scan` fills them.
 */
import type { Inventory, Package, PackageType } from '../catalog/types.js';
import { compareText } from '../util/order.js';
import type { Report, ReportPackage } from './report-schema.js';
import { sortedPackages } from './subject.js';

/** The report schema version this module writes; see docs/report-format.md. */
export const reportSchemaVersion = 2;

function reportPackage(pkg: Package): ReportPackage {
  return {
    name: pkg.name,
    version: pkg.version,
    type: pkg.type,
    ...(pkg.purl === undefined ? {} : { purl: pkg.purl }),
    ...(pkg.namespace === undefined ? {} : { namespace: pkg.namespace }),
    ...(pkg.source === undefined
      ? {}
      : { source: { name: pkg.source.name, version: pkg.source.version } }),
    ...(pkg.arch === undefined ? {} : { arch: pkg.arch }),
    licenses: [...pkg.licenses],
    layer: pkg.layerDigest === undefined ? null : { digest: pkg.layerDigest },
    path: pkg.path,
    ...(pkg.locations && pkg.locations.length > 1 ? { locations: [...pkg.locations] } : {}),
    ...(pkg.dev === true ? { dev: true as const } : {}),
    ...(pkg.optional === true ? { optional: true as const } : {}),
    ...(pkg.metadata === undefined ? {} : { metadata: { ...pkg.metadata } }),
    ...(pkg.ownedBy === undefined ? {} : { ownedBy: { ...pkg.ownedBy } }),
    ...(pkg.owns === undefined ? {} : { owns: pkg.owns.map((link) => ({ ...link })) }),
  };
}

function countByType(packages: readonly Package[]): Partial<Record<PackageType, number>> {
  const counts = new Map<PackageType, number>();
  for (const pkg of packages) counts.set(pkg.type, (counts.get(pkg.type) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => compareText(a, b)));
}

/** Builds the report object for an inventory (no findings yet). */
export function buildReport(inventory: Inventory): Report {
  const { artifact } = inventory;
  const packages = sortedPackages(inventory);
  return {
    schemaVersion: reportSchemaVersion,
    target: inventory.target,
    createdAt: inventory.createdAt,
    artifact: {
      kind: artifact.kind,
      name: artifact.name,
      transport: artifact.transport,
      manifestDigest: artifact.manifestDigest ?? null,
      configDigest: artifact.configDigest ?? null,
      repoTags: [...artifact.repoTags],
      platform:
        artifact.platform === undefined
          ? null
          : {
              os: artifact.platform.os,
              architecture: artifact.platform.architecture,
              ...(artifact.platform.variant === undefined
                ? {}
                : { variant: artifact.platform.variant }),
            },
      os:
        artifact.os === undefined
          ? null
          : {
              family: artifact.os.family,
              version: artifact.os.version,
              codename: artifact.os.codename ?? null,
              // End-of-life dates come with the vulnerability database; not known at SBOM time.
              eol: null,
            },
      layers: artifact.layers.map((layer) => ({
        digest: layer.digest,
        diffId: layer.diffId ?? null,
        size: layer.size,
        mediaType: layer.mediaType,
        createdBy: layer.createdBy ?? null,
      })),
    },
    packages: packages.map(reportPackage),
    vulnerabilities: [],
    suppressed: [],
    secrets: [],
    misconfigurations: [],
    warnings: [...inventory.warnings],
    summary: { packages: packages.length, byType: countByType(packages) },
  };
}

/** Renders the inventory as Moat's report JSON. */
export function renderJson(inventory: Inventory): string {
  return `${JSON.stringify(buildReport(inventory), null, 2)}\n`;
}
