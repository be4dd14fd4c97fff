/**
 * End to end: several `moat db import` processes write one database at the same time while
 * `moat scan` and `moat db status` processes read it. Every import must land (none may be lost
 * to another's rename) and every reader must see a whole database, old or new, and succeed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildZip } from '../fixtures/zip-builder.js';
import { moat, type MoatRun } from './cli.js';

let dir: string;
let cache: string;
let rootfs: string;

/** A record about Debian 12's openssl, so that a scan of the rootfs below finds it. */
function record(id: string): string {
  return JSON.stringify({
    id,
    modified: '2024-01-01T00:00:00Z',
    details: 'padding that makes each import take a while. '.repeat(40),
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.99-1' }] }],
      },
    ],
  });
}

async function zipOf(name: string, ids: string[]): Promise<string> {
  const path = join(dir, `${name}.zip`);
  await writeFile(path, buildZip(ids.map((id) => ({ name: `${id}.json`, data: record(id) }))));
  return path;
}

const idsOf = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-e2e-db-concurrency-'));
  cache = join(dir, 'cache');
  rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await mkdir(join(rootfs, 'var/lib/dpkg'), { recursive: true });
  await writeFile(
    join(rootfs, 'etc/os-release'),
    'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12"\n',
  );
  await writeFile(
    join(rootfs, 'var/lib/dpkg/status'),
    [
      'Package: openssl',
      'Status: install ok installed',
      'Architecture: amd64',
      'Version: 3.0.11-1~deb12u2',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function recordCount(): Promise<number> {
  const status = await moat(['db', 'status', '--cache-dir', cache, '--format', 'json']);
  expect(status).toMatchObject({ code: 0, stderr: '' });
  return (JSON.parse(status.stdout) as { records: number }).records;
}

describe('concurrent writers and readers of one database', () => {
  it('lands every one of four simultaneous imports while scans and status read throughout', async () => {
    const seed = idsOf('SEED', 10);
    expect(
      (await moat(['db', 'import', await zipOf('seed', seed), '--cache-dir', cache])).code,
    ).toBe(0);
    const sets = ['A', 'B', 'C', 'D'].map((prefix) => idsOf(prefix, 3000));
    const zips = await Promise.all(sets.map((ids, i) => zipOf(`set-${i}`, ids)));

    let importing = true;
    const imports = Promise.all(
      zips.map((zip) => moat(['db', 'import', zip, '--cache-dir', cache, '--quiet'])),
    ).finally(() => {
      importing = false;
    });
    const reads: MoatRun[] = [];
    const findings: number[] = [];
    const reader = (async () => {
      // At least one round even if the imports are quick; then until they are all done.
      do {
        const [scan, status] = await Promise.all([
          moat(['scan', `dir:${rootfs}`, '--offline', '--cache-dir', cache, '--format', 'json']),
          moat(['db', 'status', '--cache-dir', cache, '--format', 'json']),
        ]);
        reads.push(scan, status);
        if (scan.code === 0) {
          const report = JSON.parse(scan.stdout) as { vulnerabilities: unknown[] };
          findings.push(report.vulnerabilities.length);
        }
      } while (importing);
    })();
    const results = await imports;
    await reader;

    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' });
    for (const read of reads) expect(read).toMatchObject({ code: 0 });
    // Each scan saw a whole database: the seed, plus some whole sets.
    for (const count of findings)
      expect([0, 1, 2, 3, 4].map((n) => 10 + n * 3000)).toContain(count);
    expect(await recordCount()).toBe(seed.length + 4 * 3000);
  });
});
