/**
 * Matching end to end on the real debootstrapped Debian bookworm image: the image is catalogued
 * by the library, OSV records written here for its real source packages are imported into a fresh
 * database with the real import API, and the exact findings are asserted. Installed versions are
 * read from the image's dpkg database (the oracle), so fixed versions above them are derived
 * from it: `<installed>+moat1` sorts just above `<installed>` in dpkg order.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { catalogImage } from '../../src/catalog/inventory.js';
import type { Inventory } from '../../src/catalog/types.js';
import { matchInventory, type MatchResult } from '../../src/match/index.js';
import { openImage } from '../../src/open.js';
import { importOsv, openVulnDb } from '../../src/vulndb/index.js';
import { debianImage } from './debian-image.js';
import { requireTools } from './require-tools.js';

requireTools(['debootstrap', 'umoci', 'skopeo', 'dpkg-query']);

/** A Debian-tracker-style OSV record (as osv.dev's converter writes `DEBIAN-CVE-*`). */
function debianRecord(
  id: string,
  source: string,
  events: Record<string, string>[],
  extra: Record<string, unknown> = {},
  ecosystem = 'Debian:12',
  urgency = 'medium',
) {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2025-06-01T00:00:00Z',
    published: '2025-05-01T00:00:00Z',
    details: `Test vulnerability ${id} in ${source}.`,
    affected: [
      {
        package: { ecosystem, name: source },
        ranges: [{ type: 'ECOSYSTEM', events }],
        ecosystem_specific: { urgency },
      },
    ],
    references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${id}` }],
    ...extra,
  };
}

describe('matching on a real debootstrapped Debian image', () => {
  let work: string;
  let inventory: Inventory;
  let result: MatchResult;
  /** Source versions of the installed packages, from dpkg-query. */
  const sourceVersion = new Map<string, string>();

  beforeAll(async () => {
    const debian = await debianImage();
    for (const line of debian.oracle) {
      const [, , , source, version] = line.split('\t');
      if (source && version) sourceVersion.set(source, version);
    }
    const image = await openImage(`oci:${debian.ociLayout}:bookworm`);
    try {
      inventory = await catalogImage(image);
    } finally {
      await image.close();
    }

    const glibc = sourceVersion.get('glibc') ?? '';
    const zlib = sourceVersion.get('zlib') ?? '';
    const records = [
      // Fixed above the installed glibc: hits both binaries built from it, libc6 and libc-bin.
      debianRecord(
        'DEBIAN-CVE-2099-0001',
        'glibc',
        [{ introduced: '0' }, { fixed: `${glibc}+moat1` }],
        {
          upstream: ['CVE-2099-0001'],
          severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
        },
        'Debian:12',
        'high',
      ),
      // The DSA for the same CVE merges into the same finding.
      debianRecord('DSA-9001-1', 'glibc', [{ introduced: '0' }, { fixed: `${glibc}+moat1` }], {
        aliases: ['CVE-2099-0001'],
        summary: 'glibc security update',
      }),
      // No fix yet: every binary of pam is affected.
      debianRecord(
        'DEBIAN-CVE-2099-0002',
        'pam',
        [{ introduced: '0' }],
        { upstream: ['CVE-2099-0002'] },
        'Debian:12',
        'unimportant',
      ),
      // last_affected below the installed tar (1.34+dfsg-1.2+deb12u1 > 1.34+dfsg-1.2): no finding.
      debianRecord('DEBIAN-CVE-2099-0003', 'tar', [
        { introduced: '0' },
        { last_affected: '1.34+dfsg-1.2' },
      ]),
      // Withdrawn: never matched.
      debianRecord('DEBIAN-CVE-2099-0004', 'bash', [{ introduced: '0' }], {
        withdrawn: '2025-06-01T00:00:00Z',
      }),
      // shadow is 1:4.13…; 4.99-1 has epoch 0, so the installed version is already above the fix.
      debianRecord('DEBIAN-CVE-2099-0005', 'shadow', [{ introduced: '0' }, { fixed: '4.99-1' }]),
      // Another release: not bookworm's.
      debianRecord('DEBIAN-CVE-2099-0006', 'coreutils', [{ introduced: '0' }], {}, 'Debian:11'),
      // Keyed by a binary name: Debian's data is keyed by source, so this names no source package.
      debianRecord('DEBIAN-CVE-2099-0007', 'libc6', [{ introduced: '0' }]),
      // zlib is 1:1.2.13.dfsg-1; the fix keeps the epoch and sorts above it.
      debianRecord('DEBIAN-CVE-2099-0008', 'zlib', [
        { introduced: '0' },
        { fixed: `${zlib}+moat1` },
      ]),
    ];
    work = mkdtempSync(join(tmpdir(), 'moat-match-e2e-'));
    mkdirSync(join(work, 'osv'));
    for (const record of records)
      writeFileSync(join(work, 'osv', `${record.id}.json`), JSON.stringify(record));
    await importOsv(join(work, 'vuln.db'), [join(work, 'osv')]);
    const db = openVulnDb(join(work, 'vuln.db'));
    try {
      result = matchInventory(inventory, db, { now: new Date('2026-01-01T00:00:00Z') });
    } finally {
      db.close();
    }
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('finds exactly the advisories that affect the installed source versions', () => {
    const glibcFix = `${sourceVersion.get('glibc')}+moat1`;
    const zlibFix = `${sourceVersion.get('zlib')}+moat1`;
    const rows = result.findings
      .map((f) => [f.packageName, f.id, f.status, f.fixedVersions])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(rows).toEqual([
      ['libc-bin', 'CVE-2099-0001', 'fixed', [glibcFix]],
      ['libc6', 'CVE-2099-0001', 'fixed', [glibcFix]],
      ['libpam-modules', 'CVE-2099-0002', 'affected', []],
      ['libpam-modules-bin', 'CVE-2099-0002', 'affected', []],
      ['libpam-runtime', 'CVE-2099-0002', 'affected', []],
      ['libpam0g', 'CVE-2099-0002', 'affected', []],
      ['zlib1g', 'DEBIAN-CVE-2099-0008', 'fixed', [zlibFix]],
    ]);
  });

  it("merges Debian's CVE record and the DSA into one finding listing both ids", () => {
    const libc6 = result.findings.find((f) => f.packageName === 'libc6');
    expect(libc6).toMatchObject({
      id: 'CVE-2099-0001',
      aliases: ['DEBIAN-CVE-2099-0001', 'DSA-9001-1'],
      installedVersion: sourceVersion.get('glibc'),
      statusSource: 'osv:Debian:12',
      severity: 'CRITICAL',
      sourceSeverity: 'HIGH',
      title: 'glibc security update',
      dataSource: 'Debian:12',
      references: [
        'https://security-tracker.debian.org/tracker/DEBIAN-CVE-2099-0001',
        'https://security-tracker.debian.org/tracker/DSA-9001-1',
      ],
    });
  });

  it("rates an unfixed finding by Debian's urgency when no CVSS vector exists", () => {
    const pam = result.findings.find((f) => f.packageName === 'libpam0g');
    expect(pam).toMatchObject({ severity: 'LOW', sourceSeverity: 'LOW', cvss: [] });
  });

  it('names the layer and the dpkg status file that brought each package in', () => {
    const layer = inventory.packages.find((p) => p.name === 'libc6')?.layerDigest;
    expect(layer).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const finding of result.findings) {
      expect(finding.layerDigest).toBe(layer);
      expect(finding.path).toBe('/var/lib/dpkg/status');
    }
  });

  it('reports bookworm as supported and nothing unparsable', () => {
    expect(result.eol).toEqual({ eol: false, date: '2028-06-30' });
    expect(result.warnings).toEqual([]);
  });
});
