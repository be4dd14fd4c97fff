import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import {
  gzip,
  hasZstd,
  rawTar,
  rawTarHeader,
  tarOf,
  zstd,
} from '../../test/fixtures/tar-builder.js';
import { defaultLimits, type Limits } from '../util/limits.js';
import { mediaTypes } from './media-types.js';
import { layerEntriesFromBlob, readLayerEntries } from './tar-entries.js';
import type { LayerDescriptor } from './types.js';

interface Seen {
  path: string;
  type: string;
  content?: string;
  linkTarget?: string;
}

async function entriesOf(
  blob: Buffer,
  limits: Partial<Limits> = {},
  warnings: string[] = [],
): Promise<Seen[]> {
  const seen: Seen[] = [];
  const stream = Readable.from([blob]);
  for await (const entry of readLayerEntries(stream, {
    name: 'layer.tar',
    limits: { ...defaultLimits, ...limits },
    onWarning: (m) => warnings.push(m),
  })) {
    const item: Seen = { path: entry.path, type: entry.type };
    if (entry.linkTarget !== undefined) item.linkTarget = entry.linkTarget;
    if (entry.content) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.content) chunks.push(chunk as Buffer);
      item.content = Buffer.concat(chunks).toString();
    }
    seen.push(item);
  }
  return seen;
}

const sample = () =>
  tarOf([
    { path: './etc/', type: 'directory' },
    { path: './etc/os-release', content: 'ID=debian\n' },
    { path: '/usr/bin/sh', linkTarget: 'dash' },
    { path: 'usr/bin/dash2', type: 'link', linkTarget: './etc/os-release' },
  ]);
const expected: Seen[] = [
  { path: 'etc', type: 'dir' },
  { path: 'etc/os-release', type: 'file', content: 'ID=debian\n' },
  { path: 'usr/bin/sh', type: 'symlink', linkTarget: 'dash' },
  { path: 'usr/bin/dash2', type: 'hardlink', linkTarget: 'etc/os-release' },
];

describe('readLayerEntries', () => {
  it('reads a plain tar with normalised paths and typed entries', async () => {
    expect(await entriesOf(await sample())).toEqual(expected);
  });

  it('reads a gzip-compressed layer', async () => {
    expect(await entriesOf(gzip(await sample()))).toEqual(expected);
  });

  it.skipIf(!hasZstd())('reads a zstd-compressed layer', async () => {
    expect(await entriesOf(zstd(await sample()))).toEqual(expected);
  });

  it('reads paths longer than 100 bytes (pax headers)', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const entries = await entriesOf(await tarOf([{ path: long, content: 'x' }]));
    expect(entries[0]?.path).toBe(long);
  });

  it('drains file contents the consumer did not read', async () => {
    const big = 'y'.repeat(300_000);
    const blob = await tarOf([
      { path: 'a', content: big },
      { path: 'b', content: 'second' },
    ]);
    const paths: string[] = [];
    for await (const entry of readLayerEntries(Readable.from([blob]), {
      name: 'l',
      limits: defaultLimits,
    })) {
      paths.push(entry.path);
    }
    expect(paths).toEqual(['a', 'b']);
  });

  it('stops reading the blob when the consumer leaves early', async () => {
    const blob = await tarOf([
      { path: 'a', content: 'first' },
      { path: 'b', content: 'z'.repeat(200_000) },
    ]);
    const source = Readable.from([blob.subarray(0, 1024), blob.subarray(1024)]);
    for await (const entry of readLayerEntries(source, { name: 'l', limits: defaultLimits })) {
      expect(entry.path).toBe('a');
      break;
    }
    expect(source.destroyed).toBe(true);
  });

  it('skips entries whose path climbs out of the root, with a warning naming layer and path', async () => {
    const warnings: string[] = [];
    const blob = rawTar([
      { path: '../../etc/passwd', content: 'evil' },
      { path: 'ok', content: 'fine' },
    ]);
    expect(await entriesOf(blob, {}, warnings)).toEqual([
      { path: 'ok', type: 'file', content: 'fine' },
    ]);
    expect(warnings).toEqual(['layer.tar: skipped entry with unsafe path "../../etc/passwd"']);
  });

  it('treats absolute entry paths as relative to the image root', async () => {
    const entries = await entriesOf(rawTar([{ path: '/etc/shadow', content: 's' }]));
    expect(entries).toEqual([{ path: 'etc/shadow', type: 'file', content: 's' }]);
  });

  it('skips a hard link whose target escapes the root', async () => {
    const warnings: string[] = [];
    const blob = await tarOf([
      { path: 'etc/passwd', type: 'link', linkTarget: '../../etc/passwd' },
    ]);
    expect(await entriesOf(blob, {}, warnings)).toEqual([]);
    expect(warnings[0]).toMatch(/hard link "etc\/passwd" to unsafe target/);
  });

  it('fails at once when a header claims more bytes than the layer limit', async () => {
    const bomb = Buffer.concat([
      rawTarHeader({ path: 'huge', size: 5 * 1024 ** 4 }),
      Buffer.alloc(4096),
    ]);
    await expect(entriesOf(bomb)).rejects.toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: expect.stringMatching(/layer\.tar: entry "huge"/) as string,
      }) as Error,
    );
  });

  it('fails when the layer has more entries than the limit', async () => {
    const blob = await tarOf([
      { path: 'a', content: '' },
      { path: 'b', content: '' },
      { path: 'c', content: '' },
    ]);
    await expect(entriesOf(blob, { maxLayerEntries: 2 })).rejects.toThrow(/more than 2 entries/);
  });

  it('fails when a path is longer than the limit', async () => {
    const blob = await tarOf([{ path: 'a'.repeat(50), content: '' }]);
    await expect(entriesOf(blob, { maxPathBytes: 10 })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });

  it('reports a tar cut off in the middle of a file as ARCHIVE_TRUNCATED', async () => {
    const blob = await tarOf([{ path: 'a', content: 'z'.repeat(5000) }]);
    await expect(entriesOf(blob.subarray(0, 2000))).rejects.toMatchObject({
      code: 'ARCHIVE_TRUNCATED',
    });
  });

  it('reports a cut-off gzip stream as ARCHIVE_TRUNCATED', async () => {
    const blob = gzip(await tarOf([{ path: 'a', content: 'random '.repeat(2000) }]));
    await expect(entriesOf(blob.subarray(0, blob.length / 2))).rejects.toMatchObject({
      code: 'ARCHIVE_TRUNCATED',
    });
  });

  it('reports corrupt gzip data as ARCHIVE_CORRUPT naming the layer', async () => {
    const blob = gzip(await sample());
    blob.fill(0x55, 20, 60);
    await expect(entriesOf(blob)).rejects.toThrow(
      expect.objectContaining({
        code: 'ARCHIVE_CORRUPT',
        message: expect.stringMatching(/^layer\.tar: /) as string,
      }) as Error,
    );
  });

  it('reports garbage that is not a tar as ARCHIVE_CORRUPT', async () => {
    await expect(entriesOf(Buffer.alloc(1024, 0x41))).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
    });
  });
});

describe('layerEntriesFromBlob', () => {
  async function read(blob: Buffer, descriptor: LayerDescriptor): Promise<string[]> {
    const paths: string[] = [];
    const entries = layerEntriesFromBlob(() => Promise.resolve(Readable.from([blob])), descriptor, {
      name: descriptor.digest,
      limits: defaultLimits,
    });
    for await (const entry of entries) paths.push(entry.path);
    return paths;
  }
  const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

  it('yields the entries of a blob that matches its descriptor', async () => {
    const blob = gzip(await sample());
    const descriptor = {
      digest: digestOf(blob),
      size: blob.length,
      mediaType: mediaTypes.ociLayerGzip,
    };
    expect(await read(blob, descriptor)).toHaveLength(4);
  });

  it('rejects the iteration when the blob digest does not match', async () => {
    const blob = gzip(await sample());
    const descriptor = {
      digest: `sha256:${'0'.repeat(64)}`,
      size: blob.length,
      mediaType: mediaTypes.ociLayerGzip,
    };
    await expect(read(blob, descriptor)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('rejects the iteration when the blob is longer than declared', async () => {
    const blob = await sample();
    const descriptor = {
      digest: digestOf(blob),
      size: blob.length - 100,
      mediaType: mediaTypes.ociLayer,
    };
    await expect(read(blob, descriptor)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('rejects the iteration when the blob is shorter than declared', async () => {
    const blob = await sample();
    const descriptor = {
      digest: digestOf(blob),
      size: blob.length + 1,
      mediaType: mediaTypes.ociLayer,
    };
    await expect(read(blob, descriptor)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('refuses an unknown layer media type before reading', async () => {
    const blob = await sample();
    const descriptor = {
      digest: digestOf(blob),
      size: blob.length,
      mediaType: 'application/x-unknown',
    };
    await expect(read(blob, descriptor)).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});
