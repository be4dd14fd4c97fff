// Writing the blobs of an OCI layout for the benchmarks' generated images: gzip layers (level 1)
// hashed on the way to disk, and JSON blobs (configs, manifests).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import tar from 'tar-stream';

/**
 * Writes one gzip layer into `layout/blobs/sha256` whose tar `fill(pack)` writes (a tar-stream
 * pack; `label` names the temporary file); resolves to its descriptor and diff id.
 */
export async function writeLayer(layout, label, fill) {
  const pack = tar.pack();
  const tarHash = createHash('sha256');
  const gzipHash = createHash('sha256');
  let size = 0;
  const temp = join(layout, 'blobs', `layer-${label}.tmp`);
  const tap = (hash, count) =>
    new Transform({
      transform(chunk, _encoding, done) {
        hash.update(chunk);
        if (count) size += chunk.length;
        done(null, chunk);
      },
    });
  const writing = pipeline(
    pack,
    tap(tarHash),
    createGzip({ level: 1 }),
    tap(gzipHash, true),
    createWriteStream(temp),
  );
  await fill(pack);
  pack.finalize();
  await writing;
  const hex = gzipHash.digest('hex');
  await rename(temp, join(layout, 'blobs', 'sha256', hex));
  return {
    descriptor: {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: `sha256:${hex}`,
      size,
    },
    diffId: `sha256:${tarHash.digest('hex')}`,
  };
}

/** Writes `json` as a blob of `layout`; resolves to its descriptor. */
export async function writeJsonBlob(layout, mediaType, json) {
  const bytes = Buffer.from(JSON.stringify(json));
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(layout, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}
