import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildZip } from '../../test/fixtures/zip-builder.js';
import { tempDir } from './__fixtures__/osv.js';
import { openRegularFile } from './source-file.js';
import { readZipEntries, type ZipEntryResult, type ZipLimits } from './zip.js';

/** Raw deflate of `total` zero bytes, made in a stream (the zeros are never all in memory). */
async function deflatedZeros(total: number): Promise<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024);
  function* zeros() {
    for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
  }
  const out: Buffer[] = [];
  await pipeline(Readable.from(zeros()), createDeflateRaw({ level: 1 }), async (source) => {
    for await (const piece of source as AsyncIterable<Buffer>) out.push(piece);
  });
  return Buffer.concat(out);
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const limits: ZipLimits = { maxZipEntries: 100, maxZipBytes: 1 << 20, maxRecordBytes: 1 << 16 };

async function read(bytes: Buffer, custom = limits): Promise<ZipEntryResult[]> {
  const path = join(dir, 'a.zip');
  await writeFile(path, bytes);
  const out: ZipEntryResult[] = [];
  const opened = await openRegularFile(path, 'a.zip', { maxBytes: 1 << 30, limitName: 'limit' });
  try {
    for await (const entry of readZipEntries(opened, 'a.zip', custom, () => true)) out.push(entry);
  } finally {
    await opened.file.close();
  }
  return out;
}

/** Rewrites a zip's end record to defer to ZIP64 end records, as zips of > 65,535 entries do. */
function asZip64(zip: Buffer, count: number): Buffer {
  const eocd = zip.subarray(zip.length - 22);
  const directorySize = eocd.readUInt32LE(12);
  const directoryOffset = eocd.readUInt32LE(16);
  const records = Buffer.alloc(76);
  records.writeUInt32LE(0x06064b50, 0);
  records.writeBigUInt64LE(44n, 4);
  records.writeBigUInt64LE(BigInt(count), 24);
  records.writeBigUInt64LE(BigInt(count), 32);
  records.writeBigUInt64LE(BigInt(directorySize), 40);
  records.writeBigUInt64LE(BigInt(directoryOffset), 48);
  records.writeUInt32LE(0x07064b50, 56);
  records.writeBigUInt64LE(BigInt(zip.length - 22), 64);
  const end = Buffer.from(eocd);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([zip.subarray(0, zip.length - 22), records, end]);
}

describe('readZipEntries', () => {
  it('reads stored and deflated entries in file order', async () => {
    const entries = await read(
      buildZip([
        { name: 'a.json', data: '{"a":1}' },
        { name: 'b.json', data: '{"b":2}'.repeat(50), method: 'deflate' },
      ]),
    );
    expect(entries.map((e) => ('data' in e ? [e.name, e.data.length] : e))).toEqual([
      ['a.json', 7],
      ['b.json', 350],
    ]);
  });

  it('finds the central directory through ZIP64 end records', async () => {
    const zip = buildZip([
      { name: 'a.json', data: '1' },
      { name: 'b.json', data: '2' },
    ]);
    expect((await read(asZip64(zip, 2))).map((e) => e.name)).toEqual(['a.json', 'b.json']);
  });

  it('reports an entry whose bytes do not match their CRC-32 and reads the next', async () => {
    const zip = buildZip([
      { name: 'a.json', data: 'original' },
      { name: 'b.json', data: 'fine' },
    ]);
    zip.write('tampered', zip.indexOf('original'));
    expect(await read(zip)).toEqual([
      { name: 'a.json', error: 'CRC-32 mismatch' },
      { name: 'b.json', data: Buffer.from('fine') },
    ]);
  });

  it('reports an entry larger than the record limit without reading it', async () => {
    const entries = await read(buildZip([{ name: 'big.json', data: 'x'.repeat(100) }]), {
      ...limits,
      maxRecordBytes: 10,
    });
    expect(entries).toEqual([
      { name: 'big.json', error: '100 bytes exceed the record limit of 10' },
    ]);
  });

  it('never inflates a member that declares 10 bytes but inflates to 1 GiB, and reads on', async () => {
    const compressed = await deflatedZeros(1024 ** 3);
    const entries = await read(
      buildZip([
        { name: 'bomb.json', data: '', compressed, declaredSize: 10 },
        { name: 'next.json', data: '{}' },
      ]),
    );
    expect(entries).toEqual([
      { name: 'bomb.json', error: `${compressed.length} compressed bytes for 10 bytes of data` },
      { name: 'next.json', data: Buffer.from('{}') },
    ]);
  });

  it('stops inflating a member at one byte past its declared size', async () => {
    const compressed = deflateRawSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const entries = await read(
      buildZip([{ name: 'bomb.json', data: '', compressed, declaredSize: 1000 }]),
    );
    expect(entries).toEqual([
      { name: 'bomb.json', error: 'inflates past the 1000 bytes the directory declares' },
    ]);
  });

  it('does not read a member whose compressed span is far larger than its declared size', async () => {
    const compressed = deflateRawSync(randomBytes(2 * 1024 * 1024), { level: 0 });
    const entries = await read(
      buildZip([{ name: 'wide.json', data: '', compressed, declaredSize: 10 }]),
    );
    expect(entries).toEqual([
      { name: 'wide.json', error: `${compressed.length} compressed bytes for 10 bytes of data` },
    ]);
  });

  it('skips directories and symbolic links, whether or not their names end in /', async () => {
    const entries = await read(
      buildZip([
        { name: 'osv/', data: '' },
        { name: 'dir.json', data: '', mode: 0o40755 },
        { name: 'link.json', data: 'a.json', mode: 0o120777 },
        { name: 'a.json', data: '{}' },
      ]),
    );
    expect(entries).toEqual([{ name: 'a.json', data: Buffer.from('{}') }]);
  });

  it('reads exactly the uncompressed byte limit and refuses one byte more', async () => {
    const zip = buildZip([
      { name: 'a.json', data: '1234', method: 'deflate' },
      { name: 'b.json', data: '123456', method: 'deflate' },
    ]);
    expect(await read(zip, { ...limits, maxZipBytes: 10 })).toHaveLength(2);
    await expect(read(zip, { ...limits, maxZipBytes: 9 })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: 'a.zip: more than 9 uncompressed bytes',
    });
  });

  it('charges the byte limit with what members inflate to, not what they declare', async () => {
    const zip = buildZip([
      { name: 'a.json', data: '1', method: 'deflate', declaredSize: 10 },
      { name: 'b.json', data: '123456789', method: 'deflate' },
    ]);
    expect(await read(zip, { ...limits, maxZipBytes: 10 })).toEqual([
      { name: 'a.json', error: '1 bytes, the directory says 10' },
      { name: 'b.json', data: Buffer.from('123456789') },
    ]);
  });

  it('refuses a zip with more entries than the limit', async () => {
    const zip = buildZip([
      { name: 'a.json', data: '1' },
      { name: 'b.json', data: '2' },
    ]);
    await expect(read(zip, { ...limits, maxZipEntries: 1 })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });

  it('refuses a file without an end of central directory', async () => {
    await expect(read(Buffer.from('PK\x03\x04 and then nothing useful'))).rejects.toMatchObject({
      code: 'OSV_INVALID',
      message: 'a.zip: corrupt zip: no end of central directory',
    });
  });
});
