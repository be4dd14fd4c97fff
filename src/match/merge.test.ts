import { describe, expect, it } from 'vitest';

import type { OsvRecord } from '../vulndb/index.js';
import { groupByVulnerability, type MatchCandidate } from './merge.js';

function candidate(id: string, aliases: string[] = [], upstream: string[] = []): MatchCandidate {
  const record: OsvRecord = { id, modified: '2025-01-01T00:00:00Z', aliases, upstream };
  return {
    record,
    entry: {},
    ecosystem: 'Debian:12',
    fixedVersions: [],
    status: { status: 'affected', statusSource: 'osv:Debian:12' },
  };
}

const summary = (groups: ReturnType<typeof groupByVulnerability>) =>
  groups.map((g) => [g.id, g.aliases, g.candidates.map((c) => c.record.id)]);

describe('groupByVulnerability', () => {
  it("merges Debian's record and NVD's record of one CVE under the CVE", () => {
    const groups = groupByVulnerability([
      candidate('DEBIAN-CVE-2024-1', [], ['CVE-2024-1']),
      candidate('CVE-2024-1'),
    ]);
    expect(summary(groups)).toEqual([
      ['CVE-2024-1', ['DEBIAN-CVE-2024-1'], ['CVE-2024-1', 'DEBIAN-CVE-2024-1']],
    ]);
  });

  it('does not let an advisory naming two CVEs merge them; it joins each', () => {
    const groups = groupByVulnerability([
      candidate('DSA-5000-1', ['CVE-2024-1', 'CVE-2024-2']),
      candidate('CVE-2024-1'),
      candidate('CVE-2024-2'),
    ]);
    expect(summary(groups)).toEqual([
      ['CVE-2024-1', ['DSA-5000-1'], ['CVE-2024-1', 'DSA-5000-1']],
      ['CVE-2024-2', ['DSA-5000-1'], ['CVE-2024-2', 'DSA-5000-1']],
    ]);
  });

  it('picks the lowest record id when no record names a CVE', () => {
    const groups = groupByVulnerability([
      candidate('PYSEC-2024-9', ['GHSA-xxxx']),
      candidate('GHSA-xxxx', ['PYSEC-2024-9']),
    ]);
    expect(summary(groups)).toEqual([
      ['GHSA-xxxx', ['PYSEC-2024-9'], ['GHSA-xxxx', 'PYSEC-2024-9']],
    ]);
  });

  it('joins records transitively through a shared non-CVE id', () => {
    const groups = groupByVulnerability([
      candidate('GO-2024-1', ['GHSA-aaaa']),
      candidate('GHSA-aaaa', ['CVE-2024-7']),
    ]);
    expect(summary(groups)).toEqual([
      ['CVE-2024-7', ['GHSA-aaaa', 'GO-2024-1'], ['GHSA-aaaa', 'GO-2024-1']],
    ]);
  });
});
