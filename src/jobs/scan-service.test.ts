import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { imageWith, writeOciLayout } from '../../test/fixtures/image-builder.js';

import { verifyImageAttestations } from '../sign/image-verify.js';
import { verificationKeyOf } from '../sign/image.js';
import { pushLayout } from './__fixtures__/push-layout.js';
import { openScanWorld, type ScanWorld } from './__fixtures__/scan-stores.js';
import { openMemoryQueue } from './queue-memory.js';
import type { JobQueue } from './queue-types.js';
import { openScanService, type OpenScanService } from './scan-service.js';
import { claimScan, insertScanIfAbsent } from '../store/gate/scans.js';

const repository = 'team/app';

describe.each(['sqlite', 'postgres'] as const)('ScanService on %s', (engine) => {
  let world: ScanWorld;
  let queue: JobQueue;
  let scans: OpenScanService;

  const open = (work: boolean) =>
    openScanService({
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      database: world.stores.database,
      queue,
      scan: { cacheDir: world.cacheDir, offline: true },
      signer: { internal: world.internal, key: world.signing.key, toolVersion: 'test' },
      ...(work ? { work: { concurrency: 2 } } : {}),
      dbWatchMs: 0,
    });

  beforeEach(async () => {
    world = await openScanWorld(engine);
    queue = openMemoryQueue({ backoffMs: 10 });
  });
  afterEach(async () => {
    scans.close();
    await queue.close(5000);
    await world.close();
  });

  it('scans a pushed image from the stores, stores the results and signs the referrers', async () => {
    scans = open(true);
    const changes: string[] = [];
    scans.onChange((digest) => changes.push(digest));
    const digest = await pushLayout(world.internal, world.layout, repository, '1.0');
    const requested = await scans.request(repository, digest);
    expect(requested.state).toBe('pending');
    expect(await queue.drain(30_000)).toBe(true);

    const record = await scans.get(digest);
    expect(record).toMatchObject({ state: 'done', attempts: 1, repository });
    expect(record?.summary).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1, UNKNOWN: 0 });
    expect(record?.dbVersion).toMatch(/#[0-9a-f]{12}$/);
    expect(changes).toEqual([digest]);

    const result = await scans.result(digest);
    expect(result?.inventory.packages.map((p) => p.name).sort()).toEqual([
      'lodash',
      'minimist',
      'requests',
    ]);
    expect(result?.inventory.artifact.manifestDigest).toBe(digest);
    expect(result?.findings.map((f) => f.id).sort()).toEqual([
      'CVE-2021-23337',
      'CVE-2021-44906',
      'CVE-2023-32681',
      'MOAT-TEST-0001',
    ]);

    // Both documents are referrers signed with the registry's key, verifiable as cosign does.
    const referrers = await world.stores.meta.listReferrers(repository, digest);
    expect(referrers.map((r) => r.digest).sort()).toEqual(
      [record?.sbomReferrer, record?.reportReferrer].sort(),
    );
    const reference = `${world.internal.host}/${repository}@${digest}`;
    const policy = { keys: [verificationKeyOf(world.signing.key)] };
    for (const type of ['vuln', 'cyclonedx']) {
      const verified = await verifyImageAttestations(reference, policy, {
        type,
        access: world.internal.access,
      });
      expect(verified.verified).toHaveLength(1);
    }
    // A request for a scanned digest queues nothing.
    expect((await scans.request(repository, digest)).state).toBe('done');
    expect(await queue.counts()).toEqual({ scan: 0, rescan: 0 });
  });

  it('waitFor runs a scan that is only queued at once on this process', async () => {
    scans = open(false); // no process takes jobs from this queue
    const digest = await pushLayout(world.internal, world.layout, repository, '1.0');
    await scans.request(repository, digest);
    expect(await queue.counts()).toEqual({ scan: 1, rescan: 0 });
    const record = await scans.waitFor(repository, digest, 60_000);
    expect(record?.state).toBe('done');
    expect(record?.summary?.CRITICAL).toBe(1);
  });

  it('waitFor on a digest nobody asked about requests and scans it', async () => {
    scans = open(false);
    const digest = await pushLayout(world.internal, world.layout, repository, '1.0');
    expect(await scans.get(digest)).toBeUndefined();
    expect((await scans.waitFor(repository, digest, 60_000))?.state).toBe('done');
  });

  it('marks signatures and attestations not_applicable', async () => {
    scans = open(true);
    const digest = await pushLayout(world.internal, world.layout, repository, '1.0');
    await scans.request(repository, digest);
    await queue.drain(30_000);
    const referrer = (await scans.get(digest))?.reportReferrer as string;
    const record = await scans.request(repository, referrer);
    expect(record.state).toBe('not_applicable');
    expect(record.error).toContain(`a referrer of ${digest}`);
    expect(await queue.counts()).toEqual({ scan: 0, rescan: 0 });
  });

  it('takes over, at start, scans whose job was lost or whose process died', async () => {
    const lost = await pushLayout(world.internal, world.layout, repository, '1.0');
    const other = join(world.dir, 'other-layout');
    await writeOciLayout(other, [{ ...imageWith({ 'etc/other': 'x\n' }), tag: 'app' }]);
    const died = await pushLayout(world.internal, other, 'team/other', '1.0');
    expect(died).not.toBe(lost);
    const { database } = world.stores;
    const longAgo = Date.now() - 3_600_000;
    // A push whose job never reached a queue, and a scan whose process was killed mid-run.
    await insertScanIfAbsent(database, { digest: lost, repository, state: 'pending' }, longAgo);
    await insertScanIfAbsent(
      database,
      { digest: died, repository: 'team/other', state: 'pending' },
      longAgo,
    );
    expect(await claimScan(database, died, longAgo, longAgo)).toBe(true);

    scans = openScanService({
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      database,
      queue,
      scan: { cacheDir: world.cacheDir, offline: true },
      work: { concurrency: 1 },
      dbWatchMs: 0,
      staleAfterMs: 60_000,
    });
    const deadline = Date.now() + 30_000;
    const states = async () =>
      Promise.all([lost, died].map(async (d) => (await scans.get(d))?.state));
    while ((await states()).some((state) => state !== 'done') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await states()).toEqual(['done', 'done']);
    expect((await scans.get(died))?.attempts).toBe(2); // the killed run, then this one
  });
});
