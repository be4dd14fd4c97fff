/**
 * The two filters that need no document: `--severity LIST` keeps findings of the listed
 * severities, `--ignore-unfixed` keeps only findings with a fixed version (status `fixed`).
 */
import type { Finding, Severity } from '../match/types.js';
import { FilterDocumentError } from './read-document.js';
import type { FilterOutcome } from './types.js';

/** Every severity, most severe first. */
export const severities: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/**
 * Parses a comma-separated severity list (case-insensitive, spaces allowed).
 * @example parseSeverityList('high,CRITICAL') // ['HIGH', 'CRITICAL']
 * @throws FilterDocumentError naming the first unknown severity.
 */
export function parseSeverityList(list: string): Severity[] {
  const parsed: Severity[] = [];
  for (const part of list.split(',')) {
    const name = part.trim().toUpperCase();
    if (name === '') continue;
    const severity = severities.find((s) => s === name);
    if (severity === undefined) {
      throw new FilterDocumentError(
        `--severity: unknown severity "${part.trim()}"; expected ${severities.join(', ')}`,
      );
    }
    if (!parsed.includes(severity)) parsed.push(severity);
  }
  if (parsed.length === 0) throw new FilterDocumentError('--severity: no severity given');
  return parsed;
}

/** Keeps the findings whose severity is listed. */
export function filterBySeverity(
  findings: readonly Finding[],
  wanted: readonly Severity[],
): FilterOutcome {
  const outcome: FilterOutcome = { kept: [], ignored: [] };
  for (const finding of findings) {
    if (wanted.includes(finding.severity)) outcome.kept.push(finding);
    else
      outcome.ignored.push({ finding, reason: { kind: 'severity', severity: finding.severity } });
  }
  return outcome;
}

/** Keeps the findings that have a fix (status `fixed`). */
export function filterUnfixed(findings: readonly Finding[]): FilterOutcome {
  const outcome: FilterOutcome = { kept: [], ignored: [] };
  for (const finding of findings) {
    if (finding.status === 'fixed') outcome.kept.push(finding);
    else outcome.ignored.push({ finding, reason: { kind: 'unfixed', status: finding.status } });
  }
  return outcome;
}
