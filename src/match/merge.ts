/**
 * Alias merging: the records that affect one package are grouped so that each vulnerability
 * gives ONE finding, whichever databases describe it (Debian's `DEBIAN-CVE-…` and a DSA, NVD's
 * `CVE-…`, GitHub's `GHSA-…`, Go's `GO-…`). Records join a group through shared ids in `id`,
 * `aliases` and `upstream`. A record naming several CVEs (an advisory fixing many, like a DSA or
 * USN) never bridges them: it joins the group of each of its CVEs instead. The primary id is
 * the group's lowest CVE, else its lowest record id.
 */
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

function idsOf(record: OsvRecord): string[] {
  return [record.id, ...(record.aliases ?? []), ...(record.upstream ?? [])];
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
  const sets = new IdSets();
  for (const { record } of candidates) {
    const ids = idsOf(record);
    if (ids.filter(isCve).length > 1) continue;
    for (const id of ids) sets.union(record.id, id);
  }
  const byRoot = new Map<string, { candidates: MatchCandidate[]; ids: Set<string> }>();
  for (const candidate of candidates) {
    const ids = idsOf(candidate.record);
    const cves = [...new Set(ids.filter(isCve))];
    const own = ids.filter((id) => !isCve(id));
    const targets = cves.length > 1 ? cves.map((cve) => [cve]) : [ids];
    for (const target of targets) {
      const root = sets.find(target[0] ?? candidate.record.id);
      let group = byRoot.get(root);
      if (!group) byRoot.set(root, (group = { candidates: [], ids: new Set() }));
      if (!group.candidates.includes(candidate)) group.candidates.push(candidate);
      for (const id of cves.length > 1 ? [...target, ...own] : target) group.ids.add(id);
    }
  }
  const groups: VulnerabilityGroup[] = [];
  for (const { candidates: members, ids } of byRoot.values()) {
    const sorted = [...ids].sort();
    const recordIds = members.map((c) => c.record.id).sort();
    const id = sorted.find(isCve) ?? recordIds[0] ?? sorted[0] ?? '';
    members.sort(
      (a, b) =>
        Number(b.record.id === id) - Number(a.record.id === id) ||
        (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0),
    );
    groups.push({ id, aliases: sorted.filter((alias) => alias !== id), candidates: members });
  }
  return groups.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
