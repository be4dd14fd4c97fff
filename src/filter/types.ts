/**
 * What the filters decide: which findings stay in the report, which are left out and why, and
 * which ignore entries have expired. Pure data, shared by the scan pipeline and the reports.
 */
import type { Finding } from '../match/types.js';

/** How a VEX document stated a vulnerability does not apply (normalised across formats). */
export type VexSuppression = 'not_affected' | 'fixed' | 'false_positive' | 'resolved';

/** Why a finding was left out of the report. */
export type IgnoreReason =
  | { kind: 'severity'; severity: Finding['severity'] }
  | { kind: 'unfixed'; status: Finding['status'] }
  | {
      kind: 'ignorefile';
      /** The ignore file and the 1-based line of the entry. */
      file: string;
      line: number;
      statement?: string;
    }
  | {
      kind: 'vex';
      /** The VEX document that said so. */
      file: string;
      format: 'openvex' | 'cyclonedx';
      status: VexSuppression;
      justification?: string;
      statement?: string;
    };

/** A finding the filters left out, with the reason. */
export interface IgnoredFinding {
  finding: Finding;
  reason: IgnoreReason;
}

/** The outcome of one filter (or of all of them). */
export interface FilterOutcome {
  kept: Finding[];
  ignored: IgnoredFinding[];
}
