/**
 * `maxSeverity`: no vulnerability above the given severity; with `ignoreUnfixed`, only those with
 * a fix count (a known fixed version, or the `fixed` status), as `moat scan --ignore-unfixed`.
 * `UNKNOWN` ranks below `LOW`, so `severity: LOW` lets unknown ones through.
 */
import type { Severity } from '../../match/types.js';
import type { PolicyInput, PolicyVulnerability } from '../types.js';
import { failedWith, passed, type CheckOutcome } from './outcome.js';

const rank: Record<Severity, number> = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** Runs the check over the scan's vulnerabilities (after ignores and VEX). */
export function checkMaxSeverity(
  check: { severity: Severity; ignoreUnfixed?: boolean },
  input: PolicyInput,
): CheckOutcome {
  const above = input.scan.vulnerabilities.filter(
    (v) => rank[v.severity] > rank[check.severity] && (check.ignoreUnfixed !== true || hasFix(v)),
  );
  if (above.length === 0) return passed;
  above.sort((a, b) => rank[b.severity] - rank[a.severity] || a.id.localeCompare(b.id));
  return failedWith(
    `${above.length} ${check.ignoreUnfixed === true ? 'fixable ' : ''}vulnerabilit${above.length === 1 ? 'y' : 'ies'} above ${check.severity}`,
    above.map(describe),
  );
}

function hasFix(v: PolicyVulnerability): boolean {
  return v.fixedVersions.length > 0 || v.status === 'fixed';
}

function describe(v: PolicyVulnerability): string {
  const fix = v.fixedVersions[0];
  return `${v.id} (${v.severity}, ${v.packageName} ${v.installedVersion}${fix !== undefined ? `, fixed in ${fix}` : ''})`;
}
