/**
 * `forbiddenPackages`: packages that must not be installed, by name (as `scan.packages[].name`:
 * `@scope/name` for scoped npm packages, `group:artifact` for Maven), optionally only of one type
 * and only some exact versions.
 */
import type { ForbiddenPackage, PolicyInput } from '../types.js';
import { failedWith, passed, type CheckOutcome } from './outcome.js';

/** Runs the check. */
export function checkForbiddenPackages(
  forbidden: readonly ForbiddenPackage[],
  input: PolicyInput,
): CheckOutcome {
  const found: string[] = [];
  for (const pkg of input.scan.packages) {
    const hit = forbidden.some(
      (f) =>
        f.name === pkg.name &&
        (f.type === undefined || f.type === pkg.type) &&
        (f.versions === undefined || f.versions.includes(pkg.version)),
    );
    if (hit) found.push(`${pkg.type}/${pkg.name} ${pkg.version}`);
  }
  return found.length === 0 ? passed : failedWith('forbidden packages installed', found);
}
