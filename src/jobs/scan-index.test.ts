import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { writeOciLayout } from '../../test/fixtures/image-builder.js';
import { pushLayout } from './__fixtures__/push-layout.js';
import { openScanWorld, type ScanWorld } from './__fixtures__/scan-stores.js';
import { openMemoryQueue } from './queue-memory.js';
import type { JobQueue } from './queue-types.js';
import { openScanService, type OpenScanService } from './scan-service.js';

const npm = (name: string, version: string) => ({
  path: `app/node_modules/${name}/package.json`,
  content: JSON.stringify({ name, version, license: 'MIT' }),
});

describe('scanning an image index', () => {
  let world: ScanWorld;
  let queue: JobQueue;
  let scans: OpenScanService;

  beforeEach(async () => {
    world = await openScanWorld('sqlite');
    queue = openMemoryQueue({ backoffMs: 10 });
    scans = openScanService({
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      database: world.stores.database,
      queue,
      scan: { cacheDir: world.cacheDir, offline: true },
      signer: { internal: world.internal, key: world.signing.key },
      work: { concurrency: 1 },
      dbWatchMs: 0,
    });
  });
  afterEach(async () => {
    scans.close();
    await queue.close(5000);
    await world.close();
  });

  it('scans each platform image on its own and stores their union as the index scan', async () => {
    const layout = join(world.dir, 'multi');
    await writeOciLayout(
      layout,
      [
        {
          layers: [[npm('minimist', '1.2.5')]],
          platform: { os: 'linux', architecture: 'amd64' },
          config: { architecture: 'amd64' },
        },
        {
          layers: [[npm('lodash', '4.17.20'), npm('minimist', '1.2.5')]],
          platform: { os: 'linux', architecture: 'arm64' },
          config: { architecture: 'arm64' },
        },
      ],
      { nestIndex: true, nestedTag: 'multi' },
    );
    const index = await pushLayout(world.internal, layout, 'team/multi', '1.0', 'multi');
    const indexRecord = await world.stores.meta.getManifest('team/multi', index);
    const children = (
      JSON.parse(indexRecord?.content.toString() ?? '{}') as { manifests: { digest: string }[] }
    ).manifests.map((m) => m.digest);
    expect(children).toHaveLength(2);

    await scans.request('team/multi', index);
    expect(await queue.drain(30_000)).toBe(true);

    const [amd64, arm64] = await Promise.all(children.map((d) => scans.get(d)));
    expect(amd64).toMatchObject({ state: 'done', summary: { CRITICAL: 1, HIGH: 0 } });
    expect(arm64).toMatchObject({ state: 'done', summary: { CRITICAL: 1, HIGH: 1 } });
    const whole = await scans.get(index);
    expect(whole).toMatchObject({ state: 'done', summary: { CRITICAL: 1, HIGH: 1 } });
    const result = await scans.result(index);
    expect(result?.inventory.artifact.manifestDigest).toBe(index);
    expect(result?.inventory.packages.map((p) => p.name).sort()).toEqual(['lodash', 'minimist']);
    // Every scanned manifest, the index too, carries its signed SBOM and report.
    for (const digest of [index, ...children]) {
      const referrers = await world.stores.meta.listReferrers('team/multi', digest);
      expect(referrers).toHaveLength(2);
    }
  });
});
