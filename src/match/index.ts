/**
 * Matching: inventory packages × OSV advisories → findings. Pure functions over plain data; the
 * only I/O is the database lookup passed in. See README.md.
 */
export {
  comparatorsFor,
  distroEcosystems,
  pep503,
  queryFor,
  type PackageQuery,
  type UnmatchablePackage,
} from './ecosystems.js';
export {
  ineligibility,
  isMatchable,
  type Ineligibility,
  type MatchablePackage,
} from './eligible.js';
export { endOfLife, type EolStatus } from './eol.js';
export { buildFinding, publisherOf } from './finding.js';
export {
  matchInventory,
  matchPackage,
  type AdvisorySource,
  type MatchOptions,
  type MatchResult,
} from './match.js';
export { groupByVulnerability, type MatchCandidate, type VulnerabilityGroup } from './merge.js';
export {
  evaluateRange,
  isAffectedBy,
  sortUnique,
  type AffectedOutcome,
  type Comparators,
  type VersionComparator,
} from './ranges.js';
export {
  bandOf,
  cvssScoresOf,
  maxSeverity,
  scoreCvss,
  severityFromWord,
  sourceSeverityOf,
} from './severity.js';
export { statusOf, strongerStatus, type StatusVerdict } from './status.js';
export type { CvssScore, Finding, FindingStatus, Severity } from './types.js';
