/**
 * `matchInventory`: every package of an inventory against the vulnerability database. Each
 * package is looked up under its OSV ecosystem(s) and name (see ecosystems.ts), each record's
 * entries about it are evaluated (ranges.ts), the records that affect it are merged by alias
 * into one finding per vulnerability (merge.ts, finding.ts). Binary packages built from one source
 * share its query, so each distinct query is evaluated once into finding templates and the
 * records are dropped (keeping thousands of parsed records alive costs more in garbage collection
 * than reading one again); the sorted events of their ranges and the ratings of their entries are
 * cached as long as they are. One set of comparators per ecosystem serves the whole run. Pure
 * apart from reading the database: no clock unless `now` is omitted, no output but the result.
 */
import type { Inventory, Package } from '../catalog/types.js';
import { affectedEntriesFor } from '../vulndb/database.js';
import type { OsvRecord } from '../vulndb/osv.js';
import { compareText } from '../util/order.js';
import type { VersionEcosystem } from '../versions/index.js';
import { comparatorsFor, queryFor, type PackageQuery } from './ecosystems.js';
import { endOfLife, type EolStatus } from './eol.js';
import {
  buildFinding,
  buildFindingTemplate,
  instantiateFinding,
  type FindingTemplate,
  type RatingsCache,
} from './finding.js';
import { groupByVulnerability, type MatchCandidate, type VulnerabilityGroup } from './merge.js';
import { isAffectedBy, SortedEventsCache, type Comparators } from './ranges.js';
import { statusOf } from './status.js';
import type { Finding } from './types.js';
import { isMatchable, type MatchablePackage } from './eligible.js';

/** What the matcher needs from a database: the records about one package. */
export interface AdvisorySource {
  advisoriesFor(ecosystem: string, packageName: string): OsvRecord[];
}

/** Options of {@link matchInventory}. */
export interface MatchOptions {
  /** The date end of life is judged on (default: now). */
  now?: Date;
}

/** What matching found. */
export interface MatchResult {
  /** Sorted by purl, id and path. */
  findings: Finding[];
  /** One line each: unparsable versions, packages that could not be matched, end of life. */
  warnings: string[];
  /** End of life of the image's distribution release; undefined when unknown. */
  eol?: EolStatus;
}

/**
 * Matches every package of `inventory` against `db`.
 * @example const { findings } = matchInventory(inventory, openVulnDb(vulnDbPath(cacheDir)));
 */
export function matchInventory(
  inventory: Inventory,
  db: AdvisorySource,
  options: MatchOptions = {},
): MatchResult {
  const os = inventory.artifact.os;
  const warnings = new Set<string>();
  const warn = (message: string) => warnings.add(message);
  const comparators = new Map<VersionEcosystem, Comparators>();
  const comparatorsOf = (ecosystem: VersionEcosystem): Comparators => {
    let found = comparators.get(ecosystem);
    if (!found) comparators.set(ecosystem, (found = comparatorsFor(ecosystem)));
    return found;
  };

  // Packages grouped by what they are looked up under (binary packages of one source share it),
  // so each package's records are read once and dropped after its group.
  const byLookup = new Map<string, { pkg: MatchablePackage; query: PackageQuery }[]>();
  const unmatchable = new Map<string, number>();
  let withoutPurl = 0;
  for (const pkg of inventory.packages) {
    if (!isMatchable(pkg)) {
      if (pkg.purl === undefined) withoutPurl++;
      continue;
    }
    const query = queryFor(pkg, os);
    if ('reason' in query) {
      const key = os ? `${os.family} ${os.version}`.trim() : 'unknown OS';
      unmatchable.set(key, (unmatchable.get(key) ?? 0) + 1);
      if (unmatchable.get(key) === 1) warnings.add(`not matched: ${query.reason}`);
      continue;
    }
    const key = `${query.ecosystems.join('|')}\u0000${query.name}`;
    let members = byLookup.get(key);
    if (!members) byLookup.set(key, (members = []));
    members.push({ pkg, query });
  }

  const findings: Finding[] = [];
  for (const members of byLookup.values()) {
    const records = new Map<string, OsvRecord[]>();
    const lookup = (ecosystem: string, name: string): OsvRecord[] => {
      let found = records.get(ecosystem);
      if (!found) records.set(ecosystem, (found = db.advisoriesFor(ecosystem, name)));
      return found;
    };
    const byVersion = new Map<string, FindingTemplate[]>();
    const sortedEvents = new SortedEventsCache();
    const ratings: RatingsCache = new Map();
    for (const { pkg, query } of members) {
      let templates = byVersion.get(query.version);
      if (!templates) {
        const cmp = comparatorsOf(query.versionEcosystem);
        templates = vulnerabilitiesFor(query, pkg.purl, lookup, warn, cmp, sortedEvents).map(
          (group) => buildFindingTemplate(group, cmp.ecosystem, ratings),
        );
        byVersion.set(query.version, templates);
      }
      const name = displayName(pkg, query);
      for (const template of templates) findings.push(instantiateFinding(template, pkg, name));
    }
  }
  if (withoutPurl > 0) warnings.add(`not matched: ${withoutPurl} packages without a purl`);
  for (const [key, count] of unmatchable)
    if (count > 1) warnings.add(`not matched: ${count} packages in total on ${key}`);

  const result: MatchResult = { findings: findings.sort(compareFindings), warnings: [...warnings] };
  const eol = endOfLife(os, options.now ?? new Date());
  if (eol) {
    result.eol = eol;
    if (eol.eol && os)
      result.warnings.push(
        `${os.family} ${os.version} reached end of life on ${eol.date}: it gets no more security fixes`,
      );
  }
  return result;
}

/**
 * The findings for one package, looked up with `lookup`; unparsable versions are reported
 * through `warn` and give no finding.
 */
export function matchPackage(
  pkg: MatchablePackage,
  query: PackageQuery,
  lookup: (ecosystem: string, name: string) => OsvRecord[],
  warn: (message: string) => void,
): Finding[] {
  const cmp = comparatorsFor(query.versionEcosystem);
  const name = displayName(pkg, query);
  return vulnerabilitiesFor(query, pkg.purl, lookup, warn, cmp).map((group) =>
    buildFinding(pkg, name, group, cmp.ecosystem),
  );
}

/** The vulnerability groups affecting a query's package and version. */
function vulnerabilitiesFor(
  query: PackageQuery,
  purl: string,
  lookup: (ecosystem: string, name: string) => OsvRecord[],
  warn: (message: string) => void,
  comparators: Comparators,
  sortedEvents?: SortedEventsCache,
): VulnerabilityGroup[] {
  const candidates: MatchCandidate[] = [];
  const seen = new Set<string>();
  for (const ecosystem of query.ecosystems) {
    for (const record of lookup(ecosystem, query.name)) {
      // The database never returns withdrawn records; records from elsewhere might be.
      if (record.withdrawn !== undefined || seen.has(record.id)) continue;
      seen.add(record.id);
      for (const entry of affectedEntriesFor(record, ecosystem, query.name)) {
        const outcome = isAffectedBy(entry, query.version, comparators, sortedEvents);
        if (outcome.kind === 'unparsable') {
          warn(
            `${purl} against ${record.id}: version ${JSON.stringify(outcome.version)} ` +
              `cannot be compared (${outcome.reason}); not matched`,
          );
          continue;
        }
        if (outcome.kind === 'unaffected') continue;
        const entryEcosystem = entry.package?.ecosystem ?? ecosystem;
        candidates.push({
          record,
          entry,
          ecosystem: entryEcosystem,
          fixedVersions: outcome.fixedVersions,
          status: statusOf(entry, outcome.fixedVersions, entryEcosystem),
        });
      }
    }
  }
  return groupByVulnerability(candidates);
}

/** OS packages are shown by their binary name, others as their ecosystem writes them. */
function displayName(pkg: Package, query: PackageQuery): string {
  return pkg.type === 'deb' || pkg.type === 'apk' || pkg.type === 'rpm' ? pkg.name : query.name;
}

function compareFindings(a: Finding, b: Finding): number {
  return compareText(a.purl, b.purl) || compareText(a.id, b.id) || compareText(a.path, b.path);
}
