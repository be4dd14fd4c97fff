/**
 * The inventory of an image index: its platform images are each scanned (and stored) on their
 * own; the index's inventory is their union — every package found in any platform, once per
 * (type, purl or name@version, path) — so that the index's findings are every platform's
 * findings, and a rescan re-matches it like any other inventory.
 */
import type { Inventory, Package } from '../catalog/types.js';

function packageKey(pkg: Package): string {
  return `${pkg.type}|${pkg.purl ?? `${pkg.name}@${pkg.version}`}|${pkg.path}`;
}

/**
 * Merges the inventories of an index's platform images (at least one) into the index's own.
 * @example const merged = mergeIndexInventory('moat.internal/app@sha256:…', 'sha256:…', [amd64, arm64]);
 */
export function mergeIndexInventory(
  target: string,
  digest: string,
  platforms: readonly Inventory[],
): Inventory {
  const first = platforms[0];
  if (first === undefined) throw new Error('an index inventory needs a platform inventory');
  const packages = new Map<string, Package>();
  const layers = new Map<string, Inventory['artifact']['layers'][number]>();
  const warnings = new Set<string>();
  for (const inventory of platforms) {
    for (const pkg of inventory.packages) {
      const key = packageKey(pkg);
      if (!packages.has(key)) packages.set(key, pkg);
    }
    for (const layer of inventory.artifact.layers) layers.set(layer.digest, layer);
    for (const warning of inventory.warnings) warnings.add(warning);
  }
  const { platform: _platform, configDigest: _config, ...artifact } = first.artifact;
  return {
    target,
    artifact: { ...artifact, manifestDigest: digest, layers: [...layers.values()] },
    packages: [...packages.values()].sort((a, b) =>
      a.type === b.type
        ? a.name === b.name
          ? a.version === b.version
            ? a.path.localeCompare(b.path)
            : a.version.localeCompare(b.version)
          : a.name.localeCompare(b.name)
        : a.type.localeCompare(b.type),
    ),
    warnings: [...warnings],
    createdAt: first.createdAt,
  };
}
