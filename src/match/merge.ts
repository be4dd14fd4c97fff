/**
 * Alias merging: the records that affect one package are grouped so that each vulnerability
 * gives ONE finding, whichever databases describe it (Debian's `DEBIAN-CVE-…` and a DSA, NVD's
 * `CVE-…`, GitHub's `GHSA-…`, Go's `GO-…`). Records join a group through shared ids in `id`,
 * `aliases` and `upstream`. A record naming several CVEs (an advisory fixing many, like a DSA or
 * USN) never bridges them: it joins the group of each of its CVEs instead. The primary id is
 * the group's lowest CVE, else its lowest record id.
 */
import { compareText, sortInPlace } from '../util/order.js';
import type { OsvAffected, OsvRecord } from '../vulndb/index.js';
import type { StatusVerdict } from './status.js';

/** One record's affected entry that affects a package. */
export interface MatchCandidate {
  record: OsvRecord;
  entry: OsvAffected;
  /** The ecosystem the entry names (`Debian:12`). */
  ecosystem: string;
  fixedVersions: string[];
  status: StatusVerdict;
}

/** The candidates describing one vulnerability, with its ids. */
export interface VulnerabilityGroup {
  /** The primary id: a CVE when there is one, else the lowest record id. */
  id: string;
  /** Every other id, sorted. */
  aliases: string[];
  /** Candidates, the primary record (when it is one) first, then by record id. */
  candidates: MatchCandidate[];
}

const isCve = (id: string): boolean => id.startsWith('CVE-');

/** A candidate's ids: its record's id, aliases and upstream ids, and the distinct CVEs among them. */
interface CandidateIds {
  ids: string[];
  cves: string[];
}

function idsOf(record: OsvRecord): CandidateIds {
  const ids = [record.id];
  if (record.aliases) for (const alias of record.aliases) ids.push(alias);
  if (record.upstream) for (const upstream of record.upstream) ids.push(upstream);
  const cves: string[] = [];
  for (const id of ids) if (isCve(id) && !cves.includes(id)) cves.push(id);
  return { ids, cves };
}

/** Disjoint sets over ids. */
class IdSets {
  #parent = new Map<string, string>();

  find(id: string): string {
    let root = id;
    for (let next = this.#parent.get(root); next !== undefined && next !== root;) {
      root = next;
      next = this.#parent.get(root);
    }
    this.#parent.set(id, root);
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}

/**
 * Groups the candidates of one package by vulnerability, sorted by primary id.
 * @example groupByVulnerability([dsa, nvd]) // one group `CVE-2024-1` when the DSA aliases it
 */
export function groupByVulnerability(candidates: MatchCandidate[]): VulnerabilityGroup[] {
  const idsPerCandidate = candidates.map((candidate) => idsOf(candidate.record));
  const sets = new IdSets();
  for (let index = 0; index < candidates.length; index++) {
    const { ids, cves } = idsPerCandidate[index] as CandidateIds;
    if (cves.length > 1) continue;
    for (const id of ids) sets.union(ids[0] as string, id);
  }
  const byRoot = new Map<string, { candidates: MatchCandidate[]; ids: Set<string> }>();
  const join = (root: string, candidate: MatchCandidate, ids: Iterable<string>) => {
    let group = byRoot.get(root);
    if (!group) byRoot.set(root, (group = { candidates: [], ids: new Set() }));
    if (!group.candidates.includes(candidate)) group.candidates.push(candidate);
    for (const id of ids) group.ids.add(id);
  };
  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index] as MatchCandidate;
    const { ids, cves } = idsPerCandidate[index] as CandidateIds;
    if (cves.length <= 1) {
      join(sets.find(candidate.record.id), candidate, ids);
      continue;
    }
    // One group per CVE, each also holding the record's own non-CVE ids.
    const own = ids.filter((id) => !isCve(id));
    for (const cve of cves) join(sets.find(cve), candidate, [cve, ...own]);
  }
  const groups: VulnerabilityGroup[] = [];
  for (const { candidates: members, ids } of byRoot.values()) {
    const sorted = sortInPlace([...ids], compareText);
    let lowestRecordId: string | undefined;
    for (const { record } of members)
      if (lowestRecordId === undefined || record.id < lowestRecordId) lowestRecordId = record.id;
    const id = sorted.find(isCve) ?? lowestRecordId ?? sorted[0] ?? '';
    sortInPlace(
      members,
      (a, b) =>
        Number(b.record.id === id) - Number(a.record.id === id) ||
        compareText(a.record.id, b.record.id),
    );
    groups.push({ id, aliases: sorted.filter((alias) => alias !== id), candidates: members });
  }
  return sortInPlace(groups, (a, b) => compareText(a.id, b.id));
}
