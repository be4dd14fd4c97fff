/**
 * The ignore file (`--ignorefile`, default `.moatignore`): YAML entries naming findings to leave
 * out by vulnerability id (or any alias), purl and/or path, each with an optional `expires` date
 * and a `statement`. Accepted shapes: `{ vulnerabilities: [entry…] }`, a bare list of entries or
 * ids, or ids one per line as in `.trivyignore`. An entry whose `expires` day has passed (UTC)
 * no longer applies and is reported as expired. Reading and validating the file is
 * ignore-file-parse.ts (YAML and zod load only when there is a file).
 */
import type { Finding } from '../match/types.js';
import { pathMatches, type PathPattern } from './path-pattern.js';
import { purlMatches, type PurlPattern } from './purl-match.js';
import type { FilterOutcome } from './types.js';

/** One entry of an ignore file. */
export interface IgnoreEntry {
  /** 1-based line of the entry in its file. */
  line: number;
  id?: string;
  purl?: PurlPattern;
  path?: PathPattern;
  /** Last day (UTC, YYYY-MM-DD) on which the entry applies. */
  expires?: string;
  statement?: string;
}

/** A parsed ignore file. */
export interface IgnoreFile {
  path: string;
  entries: IgnoreEntry[];
}

/** What applying an ignore file did, beyond keeping and ignoring findings. */
export interface IgnoreOutcome extends FilterOutcome {
  /** Entries that no longer apply because their `expires` day has passed. */
  expired: IgnoreEntry[];
}

/** True when `entry` names `finding` (every stated part must agree). */
export function ignoreEntryMatches(entry: IgnoreEntry, finding: Finding): boolean {
  if (entry.id !== undefined && entry.id !== finding.id && !finding.aliases.includes(entry.id)) {
    return false;
  }
  if (entry.purl !== undefined && !purlMatches(entry.purl, finding.purl)) return false;
  if (entry.path !== undefined && !pathMatches(entry.path, finding.path)) return false;
  return true;
}

/** True when `entry` has expired by `now`: it applies through the whole of its `expires` day (UTC). */
export function isExpired(entry: IgnoreEntry, now: Date): boolean {
  if (entry.expires === undefined) return false;
  return now.toISOString().slice(0, 10) > entry.expires;
}

/** Leaves out the findings an unexpired entry names; reports the expired entries. */
export function applyIgnoreFile(
  findings: readonly Finding[],
  file: IgnoreFile,
  now: Date = new Date(),
): IgnoreOutcome {
  const expired = file.entries.filter((entry) => isExpired(entry, now));
  const active = file.entries.filter((entry) => !isExpired(entry, now));
  const outcome: IgnoreOutcome = { kept: [], ignored: [], expired };
  for (const finding of findings) {
    const entry = active.find((e) => ignoreEntryMatches(e, finding));
    if (entry === undefined) outcome.kept.push(finding);
    else {
      outcome.ignored.push({
        finding,
        reason: {
          kind: 'ignorefile',
          file: file.path,
          line: entry.line,
          ...(entry.statement !== undefined ? { statement: entry.statement } : {}),
        },
      });
    }
  }
  return outcome;
}
