/**
 * Which inventory packages are matched against advisories. Two kinds are left out on purpose:
 * a package without a purl (nothing names it in any advisory database; the inventory already
 * warned), and a language package an OS package installed, which is covered by that OS
 * package's advisories alone — the distribution backports fixes without changing the upstream
 * version, so the language ecosystem's ranges would raise false alarms (Trivy does the same).
 */
import type { Package } from '../catalog/types.js';

/** A package the matcher looks up: one with a purl. */
export type MatchablePackage = Package & { purl: string };

/** Why a package is not matched, or undefined when it is. */
export type Ineligibility = 'no purl' | 'owned by an OS package';

/** Why matching skips `pkg`, or undefined when it is matched. */
export function ineligibility(pkg: Package): Ineligibility | undefined {
  if (pkg.purl === undefined) return 'no purl';
  if (pkg.ownedBy !== undefined) return 'owned by an OS package';
  return undefined;
}

/** True when matching looks `pkg` up. */
export function isMatchable(pkg: Package): pkg is MatchablePackage {
  return ineligibility(pkg) === undefined;
}
