import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { vulnDbPath } from '../util/cache-paths.js';
import { importOsv } from '../vulndb/index.js';
import { pushLayout } from './__fixtures__/push-layout.js';
import { openScanWorld, type ScanWorld } from './__fixtures__/scan-stores.js';
import { openMemoryQueue } from './queue-memory.js';
import type { JobQueue } from './queue-types.js';
import { openScanService, type OpenScanService } from './scan-service.js';

const repository = 'team/app';

/** Imports one more advisory into the world's database: a CRITICAL one for requests 2.30.0. */
async function importNewAdvisory(world: ScanWorld): Promise<void> {
  const dir = join(world.dir, 'new-records');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'GHSA-new.json'),
    JSON.stringify({
      schema_version: '1.6.0',
      id: 'GHSA-9999-9999-9999',
      aliases: ['CVE-2099-0001'],
      modified: '2026-01-01T00:00:00Z',
      summary: 'a new critical advisory in requests',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'requests' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.32.0' }] }],
        },
      ],
    }),
  );
  await importOsv(vulnDbPath(world.cacheDir), [dir], { importedBy: 'manual' });
}

describe('rescans after a vulnerability database change', () => {
  let world: ScanWorld;
  let queue: JobQueue;
  let scans: OpenScanService;

  beforeEach(async () => {
    world = await openScanWorld('sqlite');
    queue = openMemoryQueue({ backoffMs: 10 });
  });
  afterEach(async () => {
    scans.close();
    await queue.close(5000);
    await world.close();
  });

  const open = (dbWatchMs: number) =>
    openScanService({
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      database: world.stores.database,
      queue,
      scan: { cacheDir: world.cacheDir, offline: true },
      signer: { internal: world.internal, key: world.signing.key },
      work: { concurrency: 1 },
      dbWatchMs,
    });

  it('notices a `moat db import`, re-matches stored inventories without the image, and tells listeners', async () => {
    scans = open(50);
    const digest = await pushLayout(world.internal, world.layout, repository, '1.0');
    await scans.request(repository, digest);
    expect(await queue.drain(30_000)).toBe(true);
    const before = await scans.get(digest);
    expect(before?.summary?.CRITICAL).toBe(1);

    // The image's layers are gone: a rescan must not need them.
    const record = await world.stores.meta.getManifest(repository, digest);
    const manifest = JSON.parse(record?.content.toString() ?? '{}') as {
      layers: { digest: string }[];
    };
    for (const layer of manifest.layers) await world.stores.blobs.delete(layer.digest);

    const changed: string[] = [];
    scans.onChange((d) => changed.push(d));
    await importNewAdvisory(world);
    const deadline = Date.now() + 30_000;
    while (!changed.includes(digest) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(changed).toContain(digest);
    expect(await queue.drain(30_000)).toBe(true);

    const after = await scans.get(digest);
    expect(after?.summary?.CRITICAL).toBe(2);
    expect(after?.dbVersion).not.toBe(before?.dbVersion);
    // A new signed report replaces the old one; the SBOM stays.
    expect(after?.reportReferrer).not.toBe(before?.reportReferrer);
    expect(after?.sbomReferrer).toBe(before?.sbomReferrer);
    const result = await scans.result(digest);
    expect(result?.findings.map((f) => f.id)).toContain('CVE-2099-0001');
  });

  it('a rescan with an unchanged database re-matches nothing', async () => {
    scans = open(0);
    const digest = await pushLayout(world.internal, world.layout, repository, '1.0');
    await scans.request(repository, digest);
    await queue.drain(30_000);
    expect(await scans.rescan('test')).toMatchObject({ rescanned: 0, changed: 0 });
    await importNewAdvisory(world);
    expect(await scans.rescan('test')).toMatchObject({ rescanned: 1, changed: 1 });
    expect(await scans.rescan('test')).toMatchObject({ rescanned: 0, changed: 0 });
  });

  it('a scan whose database cannot be found fails after its attempts, and is retried on request', async () => {
    scans = open(0);
    await rm(vulnDbPath(world.cacheDir));
    const digest = await pushLayout(world.internal, world.layout, repository, '1.0');
    await scans.request(repository, digest);
    expect(await queue.drain(30_000)).toBe(true);
    const failed = await scans.get(digest);
    expect(failed).toMatchObject({ state: 'failed', attempts: 3 });
    expect(failed?.error).toContain('no vulnerability database');

    const { writeScanDb } = await import('../__fixtures__/scan-image.js');
    await writeScanDb(world.cacheDir);
    expect((await scans.request(repository, digest)).state).toBe('pending');
    await queue.drain(30_000);
    expect(await scans.get(digest)).toMatchObject({ state: 'done', attempts: 1 });
  });
});
