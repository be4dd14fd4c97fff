/**
 * What every vulnerability format shares: one order of findings (package, version, path, then
 * most severe first, then id — code-unit comparisons, never the locale) and counts by severity.
 */
import type { Finding, Severity } from '../match/types.js';
import { compareText } from '../util/order.js';

/** Severities, most severe first. */
export const severityOrder: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/** The order every format prints findings in (a comparator for `sort`). */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.packageName, b.packageName) ||
    compareText(a.installedVersion, b.installedVersion) ||
    compareText(a.path, b.path) ||
    severityOrder.indexOf(a.severity) - severityOrder.indexOf(b.severity) ||
    compareText(a.id, b.id) ||
    compareText(a.purl, b.purl)
  );
}

/** The findings in the order every format prints them. */
export function sortedFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Findings per severity; every severity is present, most severe first. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(severityOrder.map((s) => [s, 0])) as Record<Severity, number>;
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}
