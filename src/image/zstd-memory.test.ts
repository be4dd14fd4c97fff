/**
 * Memory while inflating: a zstd layer that inflates to gigabytes is read within the same bound
 * as gzip, because the decoder hands on output only as fast as the tar reader takes it. Peak RSS
 * is measured in this test file's own process (vitest runs each file in a fresh fork); gzip runs
 * first so the zstd layer must not raise the peak it set.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { zerosTarZstd, zstdFrameHeader } from '../../test/fixtures/zstd-frames.js';
import { rawTarHeader } from '../../test/fixtures/tar-builder.js';
import { defaultLimits } from '../util/limits.js';
import { maxZstdWindowBytes } from './decompress.js';
import { readLayerEntries } from './tar-entries.js';

const MiB = 1024 * 1024;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** Reads every entry's content, returning the number of content bytes seen. */
async function readLayer(blob: Readable): Promise<number> {
  let bytes = 0;
  for await (const entry of readLayerEntries(blob, { name: 'big', limits: defaultLimits })) {
    for await (const chunk of entry.content ?? []) bytes += (chunk as Buffer).length;
  }
  return bytes;
}

/** A gzip tar of one file of `size` zeros, compressed as it is read. */
function zerosTarGzip(size: number): Readable {
  const source = Readable.from(
    (function* () {
      yield rawTarHeader({ path: 'big', size });
      const zeros = Buffer.alloc(MiB);
      for (let left = size + 1024; left > 0; left -= MiB)
        yield zeros.subarray(0, Math.min(left, MiB));
    })(),
  );
  const gzip = createGzip({ level: 1 });
  pipeline(source, gzip).catch(() => undefined);
  return gzip;
}

describe('inflating a layer', () => {
  let gzipPeak = 0;

  it('reads a gzip layer of 1 GiB of zeros within 400 MiB of RSS', async () => {
    const size = 1024 * MiB;
    expect(await readLayer(zerosTarGzip(size))).toBe(size);
    gzipPeak = peakRss();
    expect(gzipPeak).toBeLessThan(400 * MiB);
  });

  it('reads a zstd layer of 4 GiB of zeros within 64 MiB of the gzip peak', async () => {
    const size = 4 * 1024 * MiB;
    // The whole frame (128 KiB) arrives as one chunk, as one file read delivers it.
    expect(await readLayer(Readable.from([zerosTarZstd('big', size)]))).toBe(size);
    expect(peakRss()).toBeLessThan(Math.max(gzipPeak, 200 * MiB) + 64 * MiB);
  });

  it('refuses a zstd frame whose window is larger than the limit', async () => {
    const blob = Buffer.concat([zstdFrameHeader(30), Buffer.alloc(64)]);
    expect(maxZstdWindowBytes).toBeLessThan(2 ** 30);
    await expect(readLayer(Readable.from([blob]))).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringMatching(/^big: zstd frame needs a 1073741824-byte window/) as unknown,
    });
  });
});
