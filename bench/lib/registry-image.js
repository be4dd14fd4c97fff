// The registry benchmark's input: an OCI layout with a > 500 MB image of random (incompressible)
// layers, tagged `big`, and a ~50 MB one tagged `medium`, built once into the cache directory the
// other benchmarks use. Layers are tars of random files, gzip level 1 (gzip cannot shrink them).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeJsonBlob, writeLayer } from './oci-layout.js';

/** Layer sizes in MB: big (580 MB in 7 layers) and medium (48 MB in 2 layers). */
const images = {
  big: [160, 120, 100, 80, 60, 40, 20],
  medium: [32, 16],
};
const fileMb = 4;

/** Writes one layer of `mb` MB of random files; resolves to its descriptor and diff id. */
function writeRandomLayer(layout, label, mb) {
  return writeLayer(layout, label, async (pack) => {
    for (let i = 0; i < mb / fileMb; i++) {
      await new Promise((resolve, reject) => {
        const entry = pack.entry(
          { name: `data/${label}/file-${i}.bin`, size: fileMb << 20, mtime: new Date(0) },
          (error) => (error ? reject(error) : resolve()),
        );
        for (let j = 0; j < fileMb; j++) entry.write(randomBytes(1 << 20));
        entry.end();
      });
    }
  });
}

/** The layout directory (built unless `DIR/.complete` exists) holding tags `big` and `medium`. */
export async function registryBenchImage(cacheDir) {
  const dir = join(cacheDir, 'bench-registry');
  const layout = join(dir, 'oci');
  if (existsSync(join(dir, '.complete'))) return layout;
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  const manifests = [];
  for (const [tag, sizes] of Object.entries(images)) {
    const layers = [];
    for (const [i, mb] of sizes.entries())
      layers.push(await writeRandomLayer(layout, `${tag}-${i}`, mb));
    const config = await writeJsonBlob(layout, 'application/vnd.oci.image.config.v1+json', {
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    });
    const manifest = await writeJsonBlob(layout, 'application/vnd.oci.image.manifest.v1+json', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: layers.map((l) => l.descriptor),
    });
    manifests.push({ ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } });
  }
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests,
    }),
  );
  await writeFile(join(dir, '.complete'), '');
  return layout;
}
