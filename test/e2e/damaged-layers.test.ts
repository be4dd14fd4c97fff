/**
 * End to end: `moat sbom` on an image with a damaged layer exits 2 with one line naming the
 * layer, in every local transport — never a crash on an unhandled stream 'error' event (exit 1).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildImage,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
  type ImageSpec,
} from '../fixtures/image-builder.js';
import { buildRawLayerLayout } from '../fixtures/raw-layout.js';
import { moat } from './cli.js';

const content = 'x'.repeat(4096);
const spec: ImageSpec = {
  layers: [
    {
      entries: [
        { path: 'etc/os-release', content: 'ID=debian\n' },
        { path: 'data.txt', content },
      ],
      compression: 'none',
    },
  ],
  tag: 'v1',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-e2e-damaged-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Flips one content byte of the layer blob `blob` wherever it sits inside `file`. */
async function flipByteOf(file: string, blob: Buffer): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.indexOf(blob);
  expect(at).toBeGreaterThanOrEqual(0);
  const inContent = at + blob.indexOf(content) + 100;
  bytes[inContent] = 0x79;
  await writeFile(file, bytes);
}

/** Asserts exit 2 and a single stderr line that names `digest`. */
async function expectRejected(target: string, digest: string): Promise<void> {
  const run = await moat(['sbom', target, '--no-cache', '--quiet']);
  const lines = run.stderr.trim().split('\n');
  expect(run.code).toBe(2);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(digest);
}

describe('moat sbom on a damaged layer', () => {
  it('exits 2 naming the layer of a docker-archive whose layer does not match its diff_id', async () => {
    const file = join(dir, 'docker.tar');
    const [built] = await writeDockerArchive(file, [{ ...spec, tag: 'app:1' }]);
    const layer = built?.layers[0];
    await flipByteOf(file, layer?.blob ?? Buffer.alloc(0));
    await expectRejected(`docker-archive:${file}`, layer?.diffId.slice(7) ?? '');
  });

  it('exits 2 naming the layer of an oci-archive whose layer does not match its digest', async () => {
    const file = join(dir, 'oci.tar');
    await writeOciArchive(file, [spec]);
    const layer = (await buildImage(spec)).layers[0];
    await flipByteOf(file, layer?.blob ?? Buffer.alloc(0));
    await expectRejected(`oci-archive:${file}`, layer?.digest ?? '');
  });

  it('exits 2 naming the layer of an OCI layout whose layer does not match its digest', async () => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [spec]);
    const layer = (await buildImage(spec)).layers[0];
    const digest = layer?.digest ?? '';
    await flipByteOf(join(layout, 'blobs/sha256', digest.slice(7)), layer?.blob ?? Buffer.alloc(0));
    await expectRejected(`oci:${layout}:v1`, digest);
  });

  it('exits 2 naming a truncated layer of an OCI layout', async () => {
    const layout = join(dir, 'truncated');
    const gzipped: ImageSpec = { ...spec, layers: [{ entries: [{ path: 'data.txt', content }] }] };
    await writeOciLayout(layout, [gzipped]);
    const digest = (await buildImage(gzipped)).layers[0]?.digest ?? '';
    const blob = join(layout, 'blobs/sha256', digest.slice(7));
    const bytes = await readFile(blob);
    await writeFile(blob, bytes.subarray(0, bytes.length >> 1));
    await expectRejected(`oci:${layout}:v1`, digest);
  });

  it('exits 2 naming a layer declared gzip that is neither gzip nor tar', async () => {
    const layout = join(dir, 'noise');
    const noise = Buffer.alloc(4096, 0x41);
    await buildRawLayerLayout(layout, 'v1', noise);
    await expectRejected(
      `oci:${layout}:v1`,
      `sha256:${createHash('sha256').update(noise).digest('hex')}`,
    );
  });
});
