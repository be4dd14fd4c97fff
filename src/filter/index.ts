/**
 * The filter stage: what `moat scan` leaves out of a report and why. Severity and unfixed filters
 * run first (what the user does not want to see), then the ignore file, then VEX, so a finding
 * left out carries the first reason that applied. Pure: documents are loaded by the caller.
 */
export {
  applyFilters,
  describeExpiredEntry,
  type FilterOptions,
  type FilterResult,
} from './apply.js';

export { FilterDocumentError } from './read-document.js';
export { defaultFilterLimits, type FilterLimits } from './limits.js';
export {
  applyIgnoreFile,
  ignoreEntryMatches,
  isExpired,
  type IgnoreEntry,
  type IgnoreFile,
  type IgnoreOutcome,
} from './ignore-file.js';
export { loadIgnoreFile, parseIgnoreFile } from './ignore-file-parse.js';
export { filterBySeverity, filterUnfixed, parseSeverityList, severities } from './severity.js';
export { loadVex, parseVex } from './vex.js';
export {
  applyVex,
  vexStatementApplies,
  type VexProduct,
  type VexStatement,
  type VexSubject,
} from './vex-statement.js';
export type { FilterOutcome, IgnoreReason, IgnoredFinding, VexSuppression } from './types.js';
