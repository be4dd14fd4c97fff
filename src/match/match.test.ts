import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Inventory, OsInfo, Package } from '../catalog/types.js';
import { importOsv, openVulnDb, type VulnDb } from '../vulndb/index.js';
import { matchInventory } from './match.js';

/** An OSV record affecting `name` in `ecosystem` from `introduced` up to `fixed`. */
function advisory(
  id: string,
  ecosystem: string,
  name: string,
  events: Record<string, string>[],
  extra: Record<string, unknown> = {},
) {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2025-01-01T00:00:00Z',
    summary: `${id} in ${name}`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events }] }],
    ...extra,
  };
}

const records = [
  advisory(
    'GHSA-npm1-aaaa-bbbb',
    'npm',
    '@babel/traverse',
    [{ introduced: '0' }, { fixed: '7.23.2' }],
    {
      aliases: ['CVE-2023-45133'],
      database_specific: { severity: 'CRITICAL' },
    },
  ),
  advisory('PYSEC-2024-1', 'PyPI', 'Zope.Interface', [{ introduced: '5.0' }, { fixed: '5.4.1' }]),
  advisory('GO-2024-0001', 'Go', 'stdlib', [{ introduced: '1.22.0' }, { fixed: '1.22.5' }], {
    aliases: ['CVE-2024-24790'],
  }),
  advisory('GO-2024-0002', 'Go', 'golang.org/x/net', [{ introduced: '0' }, { fixed: '0.23.0' }], {
    aliases: ['GHSA-go22-aaaa-bbbb'],
  }),
  advisory(
    'GHSA-go22-aaaa-bbbb',
    'Go',
    'golang.org/x/net',
    [{ introduced: '0' }, { fixed: '0.23.0' }],
    {
      aliases: ['GO-2024-0002', 'CVE-2023-45288'],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' }],
    },
  ),
  advisory(
    'GHSA-mvn1-aaaa-bbbb',
    'Maven',
    'org.apache.logging.log4j:log4j-core',
    [{ introduced: '2.0-beta9' }, { fixed: '2.15.0' }],
    { aliases: ['CVE-2021-44228'] },
  ),
  advisory('GHSA-gem1-aaaa-bbbb', 'RubyGems', 'nokogiri', [
    { introduced: '0' },
    { last_affected: '1.16.4' },
  ]),
  advisory('RUSTSEC-2024-0001', 'crates.io', 'smallvec', [
    { introduced: '1.0.0' },
    { fixed: '1.6.1' },
  ]),
  advisory('GHSA-npm2-gone-gone', 'npm', '@babel/traverse', [{ introduced: '0' }], {
    withdrawn: '2024-06-01T00:00:00Z',
  }),
];

function pkg(
  type: Package['type'],
  name: string,
  version: string,
  extra: Partial<Package> = {},
): Package {
  const full = extra.namespace ? `${extra.namespace}/${name}` : name;
  return {
    type,
    name,
    version,
    purl: `pkg:${type}/${full}@${version}`,
    licenses: [],
    path: `/app/${type}`,
    layerDigest: 'sha256:aaaa',
    ...extra,
  };
}

function inventory(packages: Package[], os?: OsInfo): Inventory {
  return {
    target: 'test',
    artifact: {
      kind: 'container_image',
      name: 'test',
      transport: 'oci',
      repoTags: [],
      layers: [],
      labels: {},
      ...(os ? { os } : {}),
    },
    packages,
    warnings: [],
    createdAt: '2025-01-01T00:00:00Z',
  };
}

let work: string;
let db: VulnDb;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'moat-match-'));
  const dir = join(work, 'osv');
  mkdirSync(dir);
  for (const record of records)
    writeFileSync(join(dir, `${record.id}.json`), JSON.stringify(record));
  await importOsv(join(work, 'vuln.db'), [dir]);
  db = openVulnDb(join(work, 'vuln.db'));
});

afterAll(() => {
  db.close();
  rmSync(work, { recursive: true, force: true });
});

const ids = (inv: Inventory) =>
  matchInventory(inv, db).findings.map((f) => [f.packageName, f.id, f.status, f.fixedVersions]);

describe('matchInventory on language ecosystems', () => {
  it('matches a scoped npm package by its full name and reports the CVE as primary id', () => {
    const { findings } = matchInventory(
      inventory([pkg('npm', 'traverse', '7.23.0', { namespace: '@babel' })]),
      db,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      id: 'CVE-2023-45133',
      aliases: ['GHSA-npm1-aaaa-bbbb'],
      packageName: '@babel/traverse',
      fixedVersions: ['7.23.2'],
      status: 'fixed',
      statusSource: 'osv:npm',
      severity: 'CRITICAL',
      sourceSeverity: 'CRITICAL',
      layerDigest: 'sha256:aaaa',
      path: '/app/npm',
      dataSource: 'npm',
    });
  });

  it('never matches a withdrawn record', () => {
    // Only GHSA-npm1 remains for 7.23.2 (fixed there) — the withdrawn one would affect every version.
    expect(ids(inventory([pkg('npm', 'traverse', '7.23.2', { namespace: '@babel' })]))).toEqual([]);
  });

  it('matches PyPI packages by their PEP 503 name', () => {
    expect(ids(inventory([pkg('pypi', 'zope_interface', '5.2')]))).toEqual([
      ['zope-interface', 'PYSEC-2024-1', 'fixed', ['5.4.1']],
    ]);
  });

  it('matches the Go standard library as package stdlib of ecosystem Go', () => {
    expect(ids(inventory([pkg('golang', 'stdlib', '1.22.3')]))).toEqual([
      ['stdlib', 'CVE-2024-24790', 'fixed', ['1.22.5']],
    ]);
  });

  it('merges a GO and a GHSA record that alias each other into one finding', () => {
    const { findings } = matchInventory(
      inventory([pkg('golang', 'golang.org/x/net', 'v0.22.0')]),
      db,
    );
    expect(findings.map((f) => [f.id, f.aliases, f.fixedVersions, f.severity])).toEqual([
      ['CVE-2023-45288', ['GHSA-go22-aaaa-bbbb', 'GO-2024-0002'], ['0.23.0'], 'HIGH'],
    ]);
  });

  it('matches Maven packages by group:artifact', () => {
    const log4j = pkg('maven', 'log4j-core', '2.14.1', { namespace: 'org.apache.logging.log4j' });
    expect(ids(inventory([log4j]))).toEqual([
      ['org.apache.logging.log4j:log4j-core', 'CVE-2021-44228', 'fixed', ['2.15.0']],
    ]);
  });

  it('matches RubyGems up to last_affected, without a fixed version', () => {
    expect(
      ids(inventory([pkg('gem', 'nokogiri', '1.16.4'), pkg('gem', 'nokogiri', '1.16.5')])),
    ).toEqual([['nokogiri', 'GHSA-gem1-aaaa-bbbb', 'affected', []]]);
  });

  it('matches crates by name within the introduced..fixed range only', () => {
    expect(
      ids(inventory([pkg('cargo', 'smallvec', '0.6.0'), pkg('cargo', 'smallvec', '1.6.0')])),
    ).toEqual([['smallvec', 'RUSTSEC-2024-0001', 'fixed', ['1.6.1']]]);
  });

  it('reports an unparsable installed version as a warning and no finding', () => {
    const result = matchInventory(inventory([pkg('cargo', 'smallvec', 'one.two')]), db);
    expect(result.findings).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringContaining(
        'pkg:cargo/smallvec@one.two against RUSTSEC-2024-0001: version "one.two" cannot be compared',
      ),
    ]);
  });

  it('sorts findings by purl, then id', () => {
    const result = matchInventory(
      inventory([
        pkg('pypi', 'zope_interface', '5.2'),
        pkg('golang', 'stdlib', '1.22.3'),
        pkg('cargo', 'smallvec', '1.0.0'),
      ]),
      db,
    );
    expect(result.findings.map((f) => f.purl)).toEqual([
      'pkg:cargo/smallvec@1.0.0',
      'pkg:golang/stdlib@1.22.3',
      'pkg:pypi/zope_interface@5.2',
    ]);
  });

  it('flags an end-of-life distribution release with a warning', () => {
    const result = matchInventory(inventory([], { family: 'debian', version: '10' }), db, {
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(result.eol).toEqual({ eol: true, date: '2024-06-30' });
    expect(result.warnings).toEqual([
      'debian 10 reached end of life on 2024-06-30: it gets no more security fixes',
    ]);
  });

  it('warns once when OS packages cannot be matched for lack of an OS', () => {
    const result = matchInventory(
      inventory([pkg('deb', 'bash', '5.2-1'), pkg('deb', 'zlib1g', '1:1.2.13')]),
      db,
    );
    expect(result.warnings).toEqual([
      "not matched: deb package bash: the image's OS is unknown",
      'not matched: 2 packages in total on unknown OS',
    ]);
  });
});
