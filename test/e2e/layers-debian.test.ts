/**
 * Layer attribution on a real 3-layer Debian image (test/fixtures/build-debian-layered-image.sh):
 * the base, a layer that installs .debs with `dpkg --root -i`, and a layer that rewrites
 * /var/lib/dpkg/status with the same packages. The oracle is `dpkg-query --admindir` on the root
 * filesystem after each layer: every package belongs to the first layer from which it stayed
 * installed with the same version.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { beforeAll, describe, expect, it } from 'vitest';

import { moat } from './cli.js';
import { debianImage } from './debian-image.js';
import { requireTools } from './require-tools.js';

const run = promisify(execFile);
const cacheDir = process.env.MOAT_E2E_CACHE ?? join(tmpdir(), 'moat-e2e-cache');
const dir = join(cacheDir, 'debian-layered');
requireTools(['debootstrap', 'umoci', 'skopeo', 'dpkg', 'apt-get']);

interface Layout {
  manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
}

/** Layer digests of the image tagged `tag` in the OCI layout at `layout`, base first. */
async function layerDigests(layout: string, tag: string): Promise<string[]> {
  const blob = async (digest: string) =>
    JSON.parse(await readFile(join(layout, 'blobs', ...digest.split(':')), 'utf8')) as unknown;
  const top = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as Layout;
  const manifest = top.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  if (!manifest) throw new Error(`no tag ${tag}`);
  const { layers } = (await blob(manifest.digest)) as { layers: Array<{ digest: string }> };
  return layers.map((l) => l.digest);
}

/** `name\tversion\tarch` → index of the layer it first appeared in and stayed. */
async function oracleLayers(): Promise<Map<string, number>> {
  const lists = await Promise.all(
    [1, 2, 3].map(
      async (n) =>
        new Set((await readFile(join(dir, `oracle-${n}.txt`), 'utf8')).split('\n').filter(Boolean)),
    ),
  );
  const final = lists[2] ?? new Set<string>();
  const layers = new Map<string, number>();
  for (const line of final) {
    let first = 2;
    while (first > 0 && lists[first - 1]?.has(line)) first--;
    layers.set(line, first);
  }
  return layers;
}

interface ReportPackage {
  name: string;
  version: string;
  type: string;
  arch?: string;
  layer: { digest: string } | null;
}

describe('layer attribution on a real 3-layer Debian image', () => {
  let digests: string[];
  let expected: Map<string, number>;
  beforeAll(async () => {
    const base = await debianImage();
    await run(
      fileURLToPath(new URL('../fixtures/build-debian-layered-image.sh', import.meta.url)),
      [dir, join(base.ociLayout, '..')],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    digests = await layerDigests(join(dir, 'oci'), 'layered');
    expected = await oracleLayers();
  }, 600_000);

  /** Each Debian package of a `moat sbom` run as `name\tversion\tarch` → its layer index. */
  async function attributed(...flags: string[]): Promise<Map<string, number>> {
    const result = await moat([
      'sbom',
      `oci:${join(dir, 'oci')}:layered`,
      '--format',
      'json',
      '--quiet',
      ...flags,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { packages: ReportPackage[] };
    return new Map(
      report.packages
        .filter((p) => p.type === 'deb')
        .map((p) => [
          `${p.name}\t${p.version}\t${p.arch ?? ''}`,
          digests.indexOf(p.layer?.digest ?? ''),
        ]),
    );
  }

  it('puts every package on the layer where dpkg-query first lists it', async () => {
    expect(digests).toHaveLength(3);
    // The image really is what the test needs: packages from layers 1 and 2, none from 3.
    expect(new Set(expected.values())).toEqual(new Set([0, 1]));
    expect(await attributed('--no-cache')).toEqual(expected);
  });

  it('attributes the same way when the layers come from the layer cache', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'moat-layers-cache-'));
    try {
      expect(await attributed('--cache-dir', cache)).toEqual(expected);
      expect(await attributed('--cache-dir', cache)).toEqual(expected);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
