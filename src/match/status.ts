/**
 * The status of a finding and where it came from. A known fixed version makes it `fixed`.
 * Without one, the distribution's own words decide, as its OSV records carry them:
 *
 * - Debian (osv.dev's converter of the security tracker, `DEBIAN-CVE-*`): per release
 *   `ecosystem_specific.urgency`; `end-of-life` (no security support for the package) →
 *   `end_of_life`. The tracker's `nodsa_reason` (`ignored` → `will_not_fix`, `postponed` →
 *   `fix_deferred`) is honoured when a converter carries it (osv.dev's does not today).
 * - Red Hat's vocabulary (`fix_state`: `Will not fix`, `Out of support scope` → `will_not_fix`
 *   and `end_of_life`; `Fix deferred` → `fix_deferred`), honoured in `ecosystem_specific` or
 *   `database_specific`. Red Hat, AlmaLinux and Rocky OSV records are errata and always fixed.
 * - Ubuntu: "ignored", "deferred" and "needed" all appear as an entry without `fixed` (Canonical's
 *   "Mapping Ubuntu CVE Tracker statuses in OSV"), so they cannot be told apart → `affected`.
 * - Alpine secdb, SUSE, Wolfi/Chainguard and language databases publish fixes or plain affected
 *   ranges → `affected`.
 *
 * Anything unknown is `affected`.
 */
import type { OsvAffected } from '../vulndb/index.js';
import type { FindingStatus } from './types.js';

/** A status and the source it was read from. */
export interface StatusVerdict {
  status: FindingStatus;
  /** `osv:<ecosystem>`, with `#<field>` when a distribution field decided. */
  statusSource: string;
}

const fixStates: Readonly<Record<string, FindingStatus>> = {
  'will not fix': 'will_not_fix',
  'out of support scope': 'end_of_life',
  'fix deferred': 'fix_deferred',
  ignored: 'will_not_fix',
  postponed: 'fix_deferred',
  'end-of-life': 'end_of_life',
};

/** Severity of a status when several entries disagree: the most final one wins. */
const precedence: FindingStatus[] = [
  'affected',
  'fix_deferred',
  'end_of_life',
  'will_not_fix',
  'fixed',
];

/**
 * The status of an entry that affects the installed version, given the fixed versions found.
 * @example statusOf(entry, [], 'Debian:12') // { status: 'end_of_life', statusSource: 'osv:Debian:12#urgency' } for urgency end-of-life
 */
export function statusOf(
  entry: Pick<OsvAffected, 'ecosystem_specific' | 'database_specific'>,
  fixedVersions: readonly string[],
  ecosystem: string,
): StatusVerdict {
  const source = `osv:${ecosystem}`;
  if (fixedVersions.length > 0) return { status: 'fixed', statusSource: source };
  const fields: [string, unknown][] = [
    ['urgency', entry.ecosystem_specific?.urgency],
    ['nodsa_reason', entry.ecosystem_specific?.nodsa_reason],
    ['fix_state', entry.ecosystem_specific?.fix_state],
    ['fix_state', entry.database_specific?.fix_state],
  ];
  for (const [field, value] of fields) {
    if (typeof value !== 'string') continue;
    const status = fixStates[value.trim().toLowerCase()];
    if (status) return { status, statusSource: `${source}#${field}` };
  }
  return { status: 'affected', statusSource: source };
}

/** The more final of two verdicts (fixed > will_not_fix > end_of_life > fix_deferred > affected). */
export function strongerStatus(a: StatusVerdict, b: StatusVerdict): StatusVerdict {
  return precedence.indexOf(b.status) > precedence.indexOf(a.status) ? b : a;
}
