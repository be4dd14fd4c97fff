/**
 * The purl of a package found in an image, or a warning: a package no purl can name is kept in
 * the inventory without one, so one odd file never costs the report.
 */
import { tryPurlFor } from './purl.js';
import type { FoundPackage, OsInfo } from './types.js';

/**
 * The package's purl; when none can be built, reports `<path>: <type> package <name> <version>
 * has no purl (<reason>)` through `warn` and returns undefined.
 */
export function purlOrWarning(
  pkg: FoundPackage,
  os: OsInfo | undefined,
  path: string,
  warn: (message: string) => void,
): string | undefined {
  const built = tryPurlFor(pkg, os);
  if (built.purl !== undefined) return built.purl;
  const name = pkg.namespace ? `${pkg.namespace}/${pkg.name}` : pkg.name;
  warn(
    `${path}: ${pkg.type} package ${JSON.stringify(name)} ${JSON.stringify(pkg.version)} has no purl (${built.reason}); reported without one`,
  );
  return undefined;
}
