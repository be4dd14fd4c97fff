/**
 * `applyFilters`: the filter stage over documents already loaded (see index.ts for the order).
 */
import type { Finding, Severity } from '../match/types.js';
import { applyIgnoreFile, type IgnoreEntry, type IgnoreFile } from './ignore-file.js';
import { filterBySeverity, filterUnfixed } from './severity.js';
import type { FilterOutcome, IgnoredFinding } from './types.js';
import { applyVex, type VexStatement, type VexSubject } from './vex-statement.js';

/** What to filter by; every part is optional. */
export interface FilterOptions {
  /** Keep only these severities (`--severity`). */
  severities?: readonly Severity[];
  /** Keep only findings with a fix (`--ignore-unfixed`). */
  ignoreUnfixed?: boolean;
  /** A parsed ignore file (`--ignorefile`). */
  ignoreFile?: IgnoreFile;
  /** Statements from every `--vex` document, in the order given. */
  vex?: readonly VexStatement[];
  /** The scanned image, to decide whether a VEX image product is this one. */
  subject?: VexSubject;
  /** The day that decides whether ignore entries have expired (default: now). */
  now?: Date;
}

/** The findings kept, those left out with their reasons, and expired ignore entries. */
export interface FilterResult extends FilterOutcome {
  expired: IgnoreEntry[];
}

/**
 * Applies every filter in `options` to `findings`.
 * @example applyFilters(findings, { severities: ['HIGH', 'CRITICAL'], ignoreUnfixed: true })
 */
export function applyFilters(
  findings: readonly Finding[],
  options: FilterOptions = {},
): FilterResult {
  let kept = [...findings];
  const ignored: IgnoredFinding[] = [];
  const take = (outcome: FilterOutcome) => {
    kept = outcome.kept;
    for (const finding of outcome.ignored) ignored.push(finding);
  };
  if (options.severities !== undefined) take(filterBySeverity(kept, options.severities));
  if (options.ignoreUnfixed === true) take(filterUnfixed(kept));
  let expired: IgnoreEntry[] = [];
  if (options.ignoreFile !== undefined) {
    const outcome = applyIgnoreFile(kept, options.ignoreFile, options.now);
    take(outcome);
    expired = outcome.expired;
  }
  if (options.vex !== undefined && options.vex.length > 0) {
    take(applyVex(kept, options.vex, options.subject));
  }
  return { kept, ignored, expired };
}

/** One line describing an expired ignore entry, for warnings. */
export function describeExpiredEntry(file: IgnoreFile | string, entry: IgnoreEntry): string {
  const path = typeof file === 'string' ? file : file.path;
  const what = [entry.id, entry.purl?.text, entry.path?.text].filter(Boolean).join(' ');
  return `${path}:${entry.line}: ignore entry ${what} expired on ${entry.expires ?? '?'} and no longer applies`;
}
