/**
 * Builds one {@link Finding} from a package and the group of records describing one
 * vulnerability: fixed versions of every record, the most final status, CVSS scores of every
 * record, the source's own rating, and title, references and dates from the primary record.
 */
import type { MatchablePackage } from './eligible.js';
import { compareText, sortInPlace } from '../util/order.js';
import type { OsvAffected, OsvRecord } from '../vulndb/index.js';
import type { MatchCandidate, VulnerabilityGroup } from './merge.js';
import { sortUnique, type VersionComparator } from './ranges.js';
import { bandOf, cvssScoresOf, maxSeverity, sourceSeverityOf } from './severity.js';
import { strongerStatus } from './status.js';
import type { CvssScore, Finding, Severity } from './types.js';

const TITLE_LENGTH = 120;

/** Who published a record, from its id prefix (`GHSA-…` → `ghsa`, `CVE-…` → `nvd`). */
export function publisherOf(recordId: string): string {
  if (recordId.startsWith('CVE-')) return 'nvd';
  const dash = recordId.indexOf('-');
  return (dash > 0 ? recordId.slice(0, dash) : recordId).toLowerCase();
}

/** The parts of a finding that depend on the vulnerability group only, not on the package. */
export type FindingTemplate = Omit<
  Finding,
  'purl' | 'packageName' | 'installedVersion' | 'path' | 'layerDigest'
>;

/** The finding for `pkg` (shown as `packageName`) and one vulnerability group. */
export function buildFinding(
  pkg: MatchablePackage,
  packageName: string,
  group: VulnerabilityGroup,
  compare: VersionComparator,
): Finding {
  return instantiateFinding(buildFindingTemplate(group, compare), pkg, packageName);
}

/**
 * What every package affected through `group` shares: built once per group, so the records can
 * be dropped once the group's packages have their findings.
 */
export function buildFindingTemplate(
  group: VulnerabilityGroup,
  compare: VersionComparator,
  ratings: RatingsCache = new Map(),
): FindingTemplate {
  const { candidates } = group;
  const first = candidates[0];
  if (!first) throw new RangeError(`no records for ${group.id}`);
  const primary = first.record;

  let status = first.status;
  const cvss: CvssScore[] = [];
  let sourceSeverity: Severity | undefined;
  const fixedVersions: string[] = [];
  const references: string[] = [];
  for (const candidate of candidates) {
    if (candidate !== first) status = strongerStatus(status, candidate.status);
    const rated = ratingsOf(candidate.record, candidate.entry, ratings);
    for (const score of rated.cvss)
      if (!cvss.some((seen) => seen.vector === score.vector)) cvss.push(score);
    const rating = rated.sourceSeverity;
    if (rating) sourceSeverity = sourceSeverity ? maxSeverity(sourceSeverity, rating) : rating;
    for (const version of candidate.fixedVersions) fixedVersions.push(version);
    for (const ref of candidate.record.references ?? []) references.push(ref.url);
  }
  let cvssSeverity: Severity | undefined;
  for (const score of cvss)
    cvssSeverity = cvssSeverity ? maxSeverity(cvssSeverity, bandOf(score)) : bandOf(score);

  const template: FindingTemplate = {
    id: group.id,
    aliases: group.aliases,
    fixedVersions: fixedVersions.length <= 1 ? fixedVersions : sortUnique(fixedVersions, compare),
    status: status.status,
    statusSource: status.statusSource,
    severity: cvssSeverity ?? sourceSeverity ?? 'UNKNOWN',
    cvss,
    title: titleOf(group),
    references: sortInPlace(unique(references), compareText),
    dataSource: first.ecosystem,
  };
  if (sourceSeverity) template.sourceSeverity = sourceSeverity;
  const description = firstText(candidates, (record) => record.details);
  if (description) template.description = description;
  if (primary.published) template.published = primary.published;
  template.modified = primary.modified;
  return template;
}

/** The finding of `template` for one package (fields in the report's order). */
export function instantiateFinding(
  template: FindingTemplate,
  pkg: MatchablePackage,
  packageName: string,
): Finding {
  const finding: Finding = {
    id: template.id,
    aliases: template.aliases,
    purl: pkg.purl,
    packageName,
    installedVersion: pkg.version,
    fixedVersions: template.fixedVersions,
    status: template.status,
    statusSource: template.statusSource,
    severity: template.severity,
    cvss: template.cvss,
    title: template.title,
    references: template.references,
    path: pkg.path,
    dataSource: template.dataSource,
  };
  if (template.sourceSeverity) finding.sourceSeverity = template.sourceSeverity;
  if (template.description !== undefined) finding.description = template.description;
  if (pkg.layerDigest) finding.layerDigest = pkg.layerDigest;
  if (template.published !== undefined) finding.published = template.published;
  if (template.modified !== undefined) finding.modified = template.modified;
  return finding;
}

interface Ratings {
  cvss: CvssScore[];
  sourceSeverity: Severity | undefined;
}

/**
 * Ratings of entries, computed once for every template built from them (the binary packages of
 * one source, several installed versions); the matcher keeps one per looked-up package.
 */
export type RatingsCache = Map<OsvAffected, Ratings>;

function ratingsOf(record: OsvRecord, entry: OsvAffected, cache: RatingsCache): Ratings {
  let ratings = cache.get(entry);
  if (!ratings) {
    ratings = {
      cvss: cvssScoresOf(record, entry, publisherOf(record.id)),
      sourceSeverity: sourceSeverityOf(record, entry),
    };
    cache.set(entry, ratings);
  }
  return ratings;
}

/** The first summary in the group, else the first line of the first details, else the id. */
function titleOf(group: VulnerabilityGroup): string {
  const summary = firstText(group.candidates, (record) => record.summary);
  if (summary) return summary;
  const details = firstText(group.candidates, (record) => record.details);
  if (!details) return group.id;
  const line = details.split('\n')[0] ?? details;
  return line.length > TITLE_LENGTH ? `${line.slice(0, TITLE_LENGTH - 1)}…` : line;
}

/** The first non-blank text `field` gives for the candidates' records, trimmed. */
function firstText(
  candidates: readonly MatchCandidate[],
  field: (record: OsvRecord) => string | undefined,
): string | undefined {
  for (const { record } of candidates) {
    const text = field(record)?.trim();
    if (text) return text;
  }
  return undefined;
}

/** `items` without repeats, in first-seen order (`items` itself when it holds at most one). */
function unique(items: string[]): string[] {
  return items.length <= 1 ? items : [...new Set(items)];
}
