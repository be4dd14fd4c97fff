/**
 * Builds one {@link Finding} from a package and the group of records describing one
 * vulnerability: fixed versions of every record, the most final status, CVSS scores of every
 * record, the source's own rating, and title, references and dates from the primary record.
 */
import type { Package } from '../catalog/types.js';
import type { OsvAffected, OsvRecord } from '../vulndb/index.js';
import type { VulnerabilityGroup } from './merge.js';
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
  pkg: Package,
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
): FindingTemplate {
  const [first, ...rest] = group.candidates;
  if (!first) throw new RangeError(`no records for ${group.id}`);
  const primary = first.record;

  let status = first.status;
  for (const candidate of rest) status = strongerStatus(status, candidate.status);

  const cvss: CvssScore[] = [];
  const seenVectors = new Set<string>();
  let sourceSeverity: Severity | undefined;
  for (const { record, entry } of group.candidates) {
    const ratings = ratingsOf(record, entry);
    for (const score of ratings.cvss) {
      if (seenVectors.has(score.vector)) continue;
      seenVectors.add(score.vector);
      cvss.push(score);
    }
    const rating = ratings.sourceSeverity;
    if (rating) sourceSeverity = sourceSeverity ? maxSeverity(sourceSeverity, rating) : rating;
  }
  const cvssSeverity = cvss.reduce<Severity | undefined>(
    (max, score) => (max ? maxSeverity(max, bandOf(score)) : bandOf(score)),
    undefined,
  );

  const references = new Set<string>();
  for (const { record } of group.candidates)
    for (const ref of record.references ?? []) references.add(ref.url);

  const template: FindingTemplate = {
    id: group.id,
    aliases: group.aliases,
    fixedVersions: sortUnique(
      group.candidates.flatMap((c) => c.fixedVersions),
      compare,
    ),
    status: status.status,
    statusSource: status.statusSource,
    severity: cvssSeverity ?? sourceSeverity ?? 'UNKNOWN',
    cvss,
    title: titleOf(group),
    references: [...references].sort(),
    dataSource: first.ecosystem,
  };
  if (sourceSeverity) template.sourceSeverity = sourceSeverity;
  const description = group.candidates.map((c) => c.record.details?.trim()).find(Boolean);
  if (description) template.description = description;
  if (primary.published) template.published = primary.published;
  template.modified = primary.modified;
  return template;
}

/** The finding of `template` for one package (fields in the report's order). */
export function instantiateFinding(
  template: FindingTemplate,
  pkg: Package,
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

// Entries are shared by every version of a package looked up together (binary packages of one
// source): their ratings are computed once. Weak, so they go with the records.
const ratingsCache = new WeakMap<OsvAffected, Ratings>();

function ratingsOf(record: OsvRecord, entry: OsvAffected): Ratings {
  let ratings = ratingsCache.get(entry);
  if (!ratings) {
    ratings = {
      cvss: cvssScoresOf(record, entry, publisherOf(record.id)),
      sourceSeverity: sourceSeverityOf(record, entry),
    };
    ratingsCache.set(entry, ratings);
  }
  return ratings;
}

/** The first summary in the group, else the first line of the first details, else the id. */
function titleOf(group: VulnerabilityGroup): string {
  const summary = group.candidates.map((c) => c.record.summary?.trim()).find(Boolean);
  if (summary) return summary;
  const details = group.candidates.map((c) => c.record.details?.trim()).find(Boolean);
  if (!details) return group.id;
  const line = details.split('\n')[0] ?? details;
  return line.length > TITLE_LENGTH ? `${line.slice(0, TITLE_LENGTH - 1)}…` : line;
}
