import { randomBytes } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runGc, type GcOptions } from './gc.js';
import {
  blobRef,
  digestOf,
  backends,
  openTestRegistry,
  pushBlob,
  pushManifest,
  tick,
  writeBlobBytes,
  type TestRegistry,
} from './__fixtures__/test-registry.js';

const now: GcOptions = { dryRun: false, untagged: false, gracePeriodMs: 0 };

describe.each(backends)('garbage collection on %s', (backend) => {
  let registry: TestRegistry;
  beforeEach(async () => {
    registry = await openTestRegistry(backend);
  });
  afterEach(async () => {
    await registry.close();
  });

  const exists = async (digest: string) => ({
    bytes: (await registry.blobs.stat(digest)) !== undefined,
    record: (await registry.meta.getBlobAnywhere(digest)) !== undefined,
  });

  it('removes exactly the blobs no manifest references, records and bytes', async () => {
    const config = await pushBlob(registry, 'team/app', 10);
    const layer = await pushBlob(registry, 'team/app', 20);
    const loose = await pushBlob(registry, 'team/app', 300);
    const alsoLoose = await pushBlob(registry, 'other', 400);
    await pushManifest(registry, 'team/app', [blobRef(config), blobRef(layer)], { tag: 'v1' });
    await tick();

    const report = await runGc(registry, now);

    expect(report).toMatchObject({
      blobsDeleted: 2,
      bytesFreed: 700,
      manifestsDeleted: 0,
      errors: 0,
    });
    expect(await exists(loose.digest)).toEqual({ bytes: false, record: false });
    expect(await exists(alsoLoose.digest)).toEqual({ bytes: false, record: false });
    expect(await exists(config.digest)).toEqual({ bytes: true, record: true });
    expect(await exists(layer.digest)).toEqual({ bytes: true, record: true });
    expect(await registry.meta.getBlob('team/app', layer.digest)).toBeDefined();
  });

  it('keeps unreferenced blobs touched within the grace period', async () => {
    const loose = await pushBlob(registry, 'team/app');
    const report = await runGc(registry, { ...now, gracePeriodMs: 3_600_000 });
    expect(report.blobsDeleted).toBe(0);
    expect(report.candidates.blobs).toEqual([]);
    expect(await exists(loose.digest)).toEqual({ bytes: true, record: true });
  });

  it('changes nothing in a dry run and reports what it would remove', async () => {
    const loose = await pushBlob(registry, 'team/app', 50);
    const layer = await pushBlob(registry, 'team/app');
    const untagged = await pushManifest(registry, 'team/app', [blobRef(layer)]);
    const stray = await writeBlobBytes(registry.blobs, randomBytes(64));
    await tick();

    const report = await runGc(registry, { ...now, dryRun: true, untagged: true });

    expect(report).toMatchObject({
      dryRun: true,
      blobsDeleted: 0,
      manifestsDeleted: 0,
      strayBlobsAdopted: 0,
    });
    expect(report.candidates.blobs).toEqual([loose]);
    expect(report.candidates.manifests).toEqual([
      { repository: 'team/app', digest: untagged.digest },
    ]);
    expect(report.candidates.strayBlobs).toEqual([stray]);
    expect(await exists(loose.digest)).toEqual({ bytes: true, record: true });
    expect(await registry.meta.getManifest('team/app', untagged.digest)).toBeDefined();
    expect(await exists(stray.digest)).toEqual({ bytes: true, record: false });
    // A dry run gives the stray blob no record: the next real pass still sees it as stray.
    expect((await runGc(registry, { ...now, dryRun: true })).candidates.strayBlobs).toEqual([
      stray,
    ]);
  });

  it('with --untagged removes untagged manifests and their blobs, keeping referrers of tagged images and children of tagged indexes', async () => {
    const app = 'team/app';
    const imageLayer = await pushBlob(registry, app);
    const image = await pushManifest(registry, app, [blobRef(imageLayer)], { tag: 'v1' });
    const signatureBlob = await pushBlob(registry, app);
    const signature = await pushManifest(registry, app, [blobRef(signatureBlob)], {
      subject: image.digest,
    });
    const childLayer = await pushBlob(registry, app);
    const child = await pushManifest(registry, app, [blobRef(childLayer)]);
    const index = await pushManifest(registry, app, [{ digest: child.digest, kind: 'manifest' }], {
      tag: 'multi',
      index: true,
    });
    const orphanLayer = await pushBlob(registry, app);
    const orphan = await pushManifest(registry, app, [blobRef(orphanLayer)]);
    const orphanSbomBlob = await pushBlob(registry, app);
    const orphanSbom = await pushManifest(registry, app, [blobRef(orphanSbomBlob)], {
      subject: orphan.digest,
    });
    await tick();

    const withoutUntagged = await runGc(registry, now);
    expect(withoutUntagged.manifestsDeleted).toBe(0);
    expect(withoutUntagged.blobsDeleted).toBe(0);

    const report = await runGc(registry, { ...now, untagged: true });

    expect(report.manifestsDeleted).toBe(2);
    expect(await registry.meta.getManifest(app, orphan.digest)).toBeUndefined();
    expect(await registry.meta.getManifest(app, orphanSbom.digest)).toBeUndefined();
    expect(await exists(orphanLayer.digest)).toEqual({ bytes: false, record: false });
    expect(await exists(orphanSbomBlob.digest)).toEqual({ bytes: false, record: false });
    for (const kept of [image, signature, child, index]) {
      expect(await registry.meta.getManifest(app, kept.digest)).toBeDefined();
    }
    for (const kept of [imageLayer, signatureBlob, childLayer]) {
      expect(await exists(kept.digest)).toEqual({ bytes: true, record: true });
    }
  });

  it('removes an untagged index and then the children only it kept', async () => {
    const layer = await pushBlob(registry, 'a');
    const child = await pushManifest(registry, 'a', [blobRef(layer)]);
    await pushManifest(registry, 'a', [{ digest: child.digest, kind: 'manifest' }], {
      index: true,
    });
    await tick();
    const report = await runGc(registry, { ...now, untagged: true });
    expect(report.manifestsDeleted).toBe(2);
    expect(report.blobsDeleted).toBe(1);
  });

  it("finishes a crashed collector's claim on the next pass", async () => {
    const loose = await pushBlob(registry, 'team/app', 77);
    await tick();
    // A collector claims the blob and dies before deleting anything.
    expect(await registry.meta.claimBlobForDeletion(loose.digest, new Date())).toBe(true);
    expect(await exists(loose.digest)).toEqual({ bytes: true, record: false });
    await tick();

    const report = await runGc(registry, now);

    expect(report.blobsDeleted).toBe(1);
    expect(report.bytesFreed).toBe(77);
    expect(await registry.blobs.stat(loose.digest)).toBeUndefined();
    // The record is gone too: the digest can be pushed afresh.
    expect(await registry.meta.beginBlob(loose.digest, 60_000)).toBe('ok');
  });

  it('adopts stray bytes without a record and removes them on a pass after the grace period', async () => {
    const stray = await writeBlobBytes(registry.blobs, randomBytes(123));
    const first = await runGc(registry, now);
    expect(first.strayBlobsAdopted).toBe(1);
    expect(first.blobsDeleted).toBe(0);
    expect(await registry.blobs.stat(stray.digest)).toBeDefined();
    await tick();

    const second = await runGc(registry, now);

    expect(second.blobsDeleted).toBe(1);
    expect(second.bytesFreed).toBe(123);
    expect(await registry.blobs.stat(stray.digest)).toBeUndefined();
  });

  it('never leaves a manifest whose blob is gone while pushes race the collector', async () => {
    for (let round = 0; round < 40; round++) {
      const repository = `race/r${round % 4}`;
      const blobs = await Promise.all([
        pushBlob(registry, repository),
        pushBlob(registry, repository),
      ]);
      await tick();
      const [report, pushed] = await Promise.all([
        runGc(registry, now),
        // A varying head start for the collector, so that both orders happen.
        (round % 2 === 0
          ? Promise.resolve()
          : new Promise((resolve) => setTimeout(resolve, round % 7))
        ).then(() => pushManifest(registry, repository, blobs.map(blobRef), { tag: `t${round}` })),
      ]);
      if (pushed.missing.length === 0) {
        for (const blob of blobs) {
          expect(await registry.blobs.stat(blob.digest)).toBeDefined();
          expect(await registry.meta.getBlob(repository, blob.digest)).toBeDefined();
        }
      } else {
        // The collector won: the push was refused, nothing half-stored.
        expect(await registry.meta.getManifest(repository, pushed.digest)).toBeUndefined();
        expect(report.blobsDeleted).toBeGreaterThan(0);
      }
    }
    // And every stored manifest's blobs are whole, after one more pass.
    await tick();
    await runGc(registry, now);
    for (let round = 0; round < 40; round++) {
      const repository = `race/r${round % 4}`;
      const digest = await registry.meta.resolveTag(repository, `t${round}`);
      if (!digest) continue;
      const manifest = await registry.meta.getManifest(repository, digest);
      for (const reference of manifest?.references ?? []) {
        expect(await registry.blobs.stat(reference.digest)).toBeDefined();
      }
    }
  });

  it('keeps a blob whose upload commit is in flight (pending record, bytes being written)', async () => {
    const content = randomBytes(40);
    const digest = digestOf(content);
    expect(await registry.meta.beginBlob(digest, 60_000)).toBe('ok');
    await writeBlobBytes(registry.blobs, content);
    // GC runs between the commit of the bytes and putBlob, with a grace period.
    const report = await runGc(registry, { ...now, gracePeriodMs: 3_600_000 });
    expect(report.blobsDeleted).toBe(0);
    await registry.meta.putBlob('team/app', { digest, size: 40 });
    expect(await registry.blobs.stat(digest)).toBeDefined();
  });
});
