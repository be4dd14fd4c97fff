/**
 * Damaged layers in every local transport: bytes that do not match the digest, a blob cut short,
 * and bytes that are not the gzip their media type announces all end the layer's iteration with
 * a Moat error naming the layer — never an unhandled stream 'error' event.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  buildImage,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
  type ImageSpec,
} from '../../test/fixtures/image-builder.js';
import { buildRawLayerLayout } from '../../test/fixtures/raw-layout.js';
import { sha256Digest } from './digest.js';
import { openLocalImage } from './open.js';
import { resolveTarget } from './target.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-integrity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const content = 'x'.repeat(4096);

/** Replaces the first copy of `find` in `file` by the result of `change`. */
async function damage(file: string, find: Buffer, change: (blob: Buffer) => Buffer) {
  const bytes = await readFile(file);
  const at = bytes.indexOf(find);
  expect(at).toBeGreaterThanOrEqual(0);
  const changed = change(Buffer.from(find));
  await writeFile(
    file,
    Buffer.concat([bytes.subarray(0, at), changed, bytes.subarray(at + find.length)]),
  );
}

/** Flips one byte inside the file content `x…x`, keeping the blob's length. */
function flipContentByte(blob: Buffer): Buffer {
  const at = blob.indexOf(content);
  blob[at + 100] = 0x79;
  return blob;
}

/** Reads every entry of every layer, returning the error that ended the reading. */
async function readAll(target: string): Promise<unknown> {
  const image = await openLocalImage(await resolveTarget(target));
  try {
    for (let i = 0; i < image.layers.length; i += 1) {
      for await (const entry of image.layerEntries(i)) {
        if (entry.content) for await (const _chunk of entry.content) void _chunk;
      }
    }
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await image.close();
  }
}

const plainLayer: ImageSpec = {
  layers: [{ entries: [{ path: 'data.txt', content }], compression: 'none' }],
  tag: 'v1',
};
const gzipLayer: ImageSpec = { layers: [[{ path: 'data.txt', content }]], tag: 'v1' };

describe('a layer whose bytes do not match its digest', () => {
  it('fails a docker-archive with DIGEST_MISMATCH naming the layer', async () => {
    const file = join(dir, 'image.tar');
    const [built] = await writeDockerArchive(file, [{ ...plainLayer, tag: 'app:1' }]);
    const layer = built?.layers[0];
    await damage(file, layer?.blob ?? Buffer.alloc(0), flipContentByte);
    const error = await readAll(`docker-archive:${file}`);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(String(error)).toContain(layer?.diffId.slice('sha256:'.length));
  });

  it('fails an oci-archive with DIGEST_MISMATCH naming the layer', async () => {
    const file = join(dir, 'image.tar');
    await writeOciArchive(file, [plainLayer]);
    const layer = (await buildImage(plainLayer)).layers[0];
    await damage(file, layer?.blob ?? Buffer.alloc(0), flipContentByte);
    const error = await readAll(`oci-archive:${file}`);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(String(error)).toContain(layer?.digest);
  });

  it('fails an OCI layout with DIGEST_MISMATCH naming the layer', async () => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [plainLayer]);
    const layer = (await buildImage(plainLayer)).layers[0];
    const blob = join(layout, 'blobs/sha256', layer?.digest.slice('sha256:'.length) ?? '');
    await writeFile(blob, flipContentByte(await readFile(blob)));
    const error = await readAll(`oci:${layout}:v1`);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(String(error)).toContain(layer?.digest);
  });
});

describe('a layer that cannot be decoded', () => {
  it('fails a truncated gzip layer of an oci-archive as an input error naming the layer', async () => {
    const file = join(dir, 'image.tar');
    await writeOciArchive(file, [gzipLayer]);
    const layer = (await buildImage(gzipLayer)).layers[0];
    // Zeros over the second half: the blob keeps its place in the archive but is cut short.
    await damage(file, layer?.blob ?? Buffer.alloc(0), (blob) =>
      blob.fill(0, Math.floor(blob.length / 2)),
    );
    const error = await readAll(`oci-archive:${file}`);
    expect((error as { isInputError?: boolean }).isInputError).toBe(true);
    expect(String(error)).toContain(layer?.digest);
  });

  it('fails a truncated layer of an OCI layout with SIZE_MISMATCH or ARCHIVE_TRUNCATED', async () => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [gzipLayer]);
    const layer = (await buildImage(gzipLayer)).layers[0];
    const blob = join(layout, 'blobs/sha256', layer?.digest.slice('sha256:'.length) ?? '');
    const bytes = await readFile(blob);
    await writeFile(blob, bytes.subarray(0, bytes.length >> 1));
    const error = await readAll(`oci:${layout}:v1`);
    expect((error as { code?: string }).code).toMatch(/^(SIZE_MISMATCH|ARCHIVE_TRUNCATED)$/);
    expect(String(error)).toContain(layer?.digest);
  });

  it('fails a layer declared gzip that holds neither gzip nor tar with ARCHIVE_CORRUPT', async () => {
    const layout = join(dir, 'layout');
    const noise = Buffer.alloc(4096, 0x41);
    await buildRawLayerLayout(layout, 'v1', noise);
    const error = await readAll(`oci:${layout}:v1`);
    expect(error).toMatchObject({ code: 'ARCHIVE_CORRUPT' });
    expect(String(error)).toContain(sha256Digest(noise));
  });
});
