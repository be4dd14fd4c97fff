/**
 * Lockfiles against what is installed. Where installed metadata exists, it is the truth: a
 * lockfile entry that is also installed becomes one package with both locations, and one that is
 * not installed (an npm optional package for another platform, a dev dependency left out by
 * `npm ci --omit=dev`) is not reported. Lockfile entries with no installed tree to check them
 * against are kept, except development dependencies unless asked for (Trivy's
 * `--include-dev-deps`).
 *
 * Where the installed tree of a lockfile is:
 * - npm (package-lock, yarn, pnpm): `node_modules` next to the lockfile; its entries match
 *   installed packages anywhere below the lockfile's directory (workspaces install deeper);
 * - Composer: `vendor/` next to `composer.lock`;
 * - Python and Ruby: lockfiles and installed packages have no fixed relative place (a virtualenv,
 *   the system site-packages, a gem home), so any installed package of the ecosystem in the image
 *   counts.
 */
import type { Package, PackageType } from './types.js';

/** Options for {@link reconcileInstalled}. */
export interface InstalledOptions {
  /** Keep development dependencies only a lockfile lists (default: left out). */
  includeDevDeps?: boolean;
}

const nextToLockfile = new Map<PackageType, string>([
  ['npm', 'node_modules/'],
  ['composer', 'vendor/'],
]);
const imageWide = new Set<PackageType>(['pypi', 'gem']);

const isLocked = (pkg: Package) => typeof pkg.metadata?.lockfile === 'string';
const identity = (pkg: Package) =>
  JSON.stringify([pkg.type, pkg.namespace ?? '', pkg.name, pkg.version]);
const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);

/**
 * Merges lockfile entries into the installed packages they describe and drops those that are not
 * installed; marks `dev` and `optional`. Keeps the order of `packages`.
 */
export function reconcileInstalled(
  packages: readonly Package[],
  options: InstalledOptions = {},
): Package[] {
  const installed = packages.filter(
    (pkg) => !isLocked(pkg) && (nextToLockfile.has(pkg.type) || imageWide.has(pkg.type)),
  );
  const byIdentity = new Map<string, Package[]>();
  for (const pkg of installed) {
    const list = byIdentity.get(identity(pkg)) ?? [];
    list.push(pkg);
    byIdentity.set(identity(pkg), list);
  }
  const installedTypes = new Set(installed.map((pkg) => pkg.type));
  // Flags from lockfiles accumulate per installed package: dev only if every lockfile says so.
  const flags = new Map<Package, { dev: boolean; optional: boolean; lockfiles: string[] }>();
  const kept: Package[] = [];
  const trees = new Map<string, ((path: string) => boolean) | undefined>();
  for (const pkg of packages) {
    if (!isLocked(pkg)) {
      kept.push(pkg);
      continue;
    }
    const dev = pkg.metadata?.dev === true;
    const optional = pkg.metadata?.optional === true;
    const treeKey = `${pkg.type}\u0000${dirOf(pkg.path)}`;
    if (!trees.has(treeKey)) trees.set(treeKey, installedTreeOf(pkg, installedTypes, installed));
    const tree = trees.get(treeKey);
    if (tree === undefined) {
      if (!dev || options.includeDevDeps === true) kept.push(marked(pkg, dev, optional));
      continue;
    }
    for (const match of (byIdentity.get(identity(pkg)) ?? []).filter((p) => tree(p.path))) {
      const seen = flags.get(match);
      if (seen) {
        seen.dev &&= dev;
        seen.optional &&= optional;
        seen.lockfiles.push(pkg.path);
      } else flags.set(match, { dev, optional, lockfiles: [pkg.path] });
    }
  }
  return kept.map((pkg) => {
    const found = flags.get(pkg);
    if (!found) return pkg;
    const locations = [...new Set([...(pkg.locations ?? [pkg.path]), ...found.lockfiles])];
    return { ...marked(pkg, found.dev, found.optional), locations };
  });
}

/**
 * Which installed paths a lockfile entry is checked against, or undefined when there is no
 * installed tree to check it against.
 */
function installedTreeOf(
  locked: Package,
  installedTypes: ReadonlySet<PackageType>,
  installed: readonly Package[],
): ((path: string) => boolean) | undefined {
  if (imageWide.has(locked.type)) {
    return installedTypes.has(locked.type) ? () => true : undefined;
  }
  const subdir = nextToLockfile.get(locked.type);
  if (subdir === undefined || !installedTypes.has(locked.type)) return undefined;
  const dir = dirOf(locked.path);
  const hasTree = installed.some(
    (pkg) => pkg.type === locked.type && pkg.path.startsWith(dir + subdir),
  );
  return hasTree ? (path) => path.startsWith(dir) : undefined;
}

function marked(pkg: Package, dev: boolean, optional: boolean): Package {
  return { ...pkg, ...(dev ? { dev: true } : {}), ...(optional ? { optional: true } : {}) };
}
