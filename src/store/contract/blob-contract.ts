/**
 * The contract every {@link BlobStore} keeps, as a vitest suite: run it from an implementation's
 * test with a function that opens a fresh, empty store. It covers each method and the hostile
 * cases a registry meets: chunks out of order, bodies that fail midway or exceed their limit,
 * digests that do not match, many clients committing one blob at once, and blobs too large to
 * hold in memory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { BlobInfo, BlobStore } from '../types.js';

/** Options of the suite. */
export interface BlobContractOptions {
  /** Size of the blob streamed through the store to check memory stays bounded (default 64 MiB). */
  streamedBytes?: number;
  /**
   * Opens a second store over the same storage as the store `open` returned last: another node,
   * or this one after a restart. Enables the tests of stores that share their data.
   */
  openPeer?: () => Promise<BlobStore>;
}

/** Registers the blob-store contract suite under `name`. */
export function blobContract(
  name: string,
  open: () => Promise<BlobStore>,
  options: BlobContractOptions = {},
): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('blobs', () => {
      it('reports an absent blob as absent everywhere', async () => {
        const digest = sha256(Buffer.from('absent'));
        expect(await store.stat(digest)).toBeUndefined();
        await expectCode(store.open(digest), 'STORE_BLOB_UNKNOWN');
        expect(await store.delete(digest)).toBe(false);
      });

      it('stores an uploaded blob and returns its bytes', async () => {
        const content = bytes(100_000, 1);
        const info = await push(store, [content]);
        expect(info).toEqual({ digest: sha256(content), size: content.length });
        expect(await store.stat(info.digest)).toEqual(info);
        expectBytes(await readAll(await store.open(info.digest)), content);
      });

      it('stores the empty blob', async () => {
        const info = await push(store, []);
        expect(info.size).toBe(0);
        expectBytes(await readAll(await store.open(info.digest)), Buffer.alloc(0));
      });

      it('serves ranges: the first byte, the last byte, a middle, the whole', async () => {
        const content = bytes(10_000, 2);
        const { digest } = await push(store, [content]);
        const read = async (start: number, end: number) =>
          readAll(await store.open(digest, { start, end }));
        expectBytes(await read(0, 0), content.subarray(0, 1));
        expectBytes(await read(9_999, 9_999), content.subarray(9_999));
        expectBytes(await read(100, 4_999), content.subarray(100, 5_000));
        expectBytes(await read(0, 9_999), content);
      });

      it('refuses a range outside the blob', async () => {
        const { digest } = await push(store, [bytes(10, 3)]);
        await expectCode(store.open(digest, { start: 10, end: 10 }), 'STORE_RANGE_INVALID');
        await expectCode(store.open(digest, { start: 5, end: 10 }), 'STORE_RANGE_INVALID');
        await expectCode(store.open(digest, { start: 6, end: 5 }), 'STORE_RANGE_INVALID');
      });

      it('deletes a blob once: true, then false', async () => {
        const { digest } = await push(store, [bytes(10, 4)]);
        expect(await store.delete(digest)).toBe(true);
        expect(await store.delete(digest)).toBe(false);
        expect(await store.stat(digest)).toBeUndefined();
        await expectCode(store.open(digest), 'STORE_BLOB_UNKNOWN');
      });

      it('lists every stored blob with its size', async () => {
        const a = await push(store, [bytes(10, 5)]);
        const b = await push(store, [bytes(20, 6)], 'sha512');
        expect(sortByDigest(await collect(store.list()))).toEqual(sortByDigest([a, b]));
        await store.delete(a.digest);
        expect(await collect(store.list())).toEqual([b]);
      });

      it('treats digests outside the grammar as absent', async () => {
        for (const digest of [
          'sha256:../../etc/passwd',
          'sha256:',
          'md5:abc',
          `sha256:${'A'.repeat(64)}`,
        ]) {
          expect(await store.stat(digest)).toBeUndefined();
          await expectCode(store.open(digest), 'STORE_BLOB_UNKNOWN');
          expect(await store.delete(digest)).toBe(false);
        }
      });
    });

    describe('uploads', () => {
      it('appends chunks at their offsets and reports the size so far', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        expect(await store.uploadSize(id)).toBe(0);
        expect(await store.appendUpload(id, 0, streamOf(bytes(7, 7)), 100)).toBe(7);
        expect(await store.appendUpload(id, 7, streamOf(bytes(5, 8)), 100)).toBe(12);
        expect(await store.uploadSize(id)).toBe(12);
        const info = await store.commitUpload(
          id,
          sha256(Buffer.concat([bytes(7, 7), bytes(5, 8)])),
        );
        expect(info.size).toBe(12);
        expect(await store.uploadSize(id)).toBeUndefined();
      });

      it('refuses a chunk at an offset other than the size so far, appending nothing', async () => {
        const id = await started(store, [bytes(10, 9)]);
        await expectCode(
          store.appendUpload(id, 5, streamOf(bytes(5, 1)), 100),
          'STORE_RANGE_INVALID',
        );
        await expectCode(
          store.appendUpload(id, 11, streamOf(bytes(5, 1)), 100),
          'STORE_RANGE_INVALID',
        );
        expect(await store.uploadSize(id)).toBe(10);
      });

      it('answers an unknown upload id as unknown', async () => {
        const id = randomUUID();
        expect(await store.uploadSize(id)).toBeUndefined();
        await expectCode(
          store.appendUpload(id, 0, streamOf(bytes(1, 1)), 10),
          'STORE_UPLOAD_UNKNOWN',
        );
        await expectCode(store.commitUpload(id, sha256(Buffer.alloc(0))), 'STORE_UPLOAD_UNKNOWN');
        await store.abortUpload(id);
      });

      it('refuses upload ids that could steer a path or key', async () => {
        for (const id of ['../escape', 'a/b', '', '.', '..', 'x'.repeat(200), 'a\0b']) {
          await expectCode(store.createUpload(id), 'STORE_UPLOAD_UNKNOWN');
          await expectCode(
            store.appendUpload(id, 0, streamOf(bytes(1, 1)), 10),
            'STORE_UPLOAD_UNKNOWN',
          );
          expect(await store.uploadSize(id)).toBeUndefined();
          await store.abortUpload(id);
        }
        expect(await collect(store.listUploads())).toEqual([]);
      });

      it('appends nothing of a body that fails midway, and a retry at that offset works', async () => {
        const first = bytes(1000, 10);
        const id = await started(store, [first]);
        const failing = Readable.from(
          (async function* () {
            yield bytes(70_000, 11);
            yield bytes(70_000, 12);
            await tick();
            throw new Error('client went away');
          })(),
        );
        await expect(store.appendUpload(id, 1000, failing, 1 << 30)).rejects.toThrow(
          'client went away',
        );
        expect(await store.uploadSize(id)).toBe(1000);
        const second = bytes(500, 13);
        expect(await store.appendUpload(id, 1000, streamOf(second), 1 << 30)).toBe(1500);
        const all = Buffer.concat([first, second]);
        const info = await store.commitUpload(id, sha256(all));
        expectBytes(await readAll(await store.open(info.digest)), all);
      });

      it('appends nothing of a body destroyed before its end', async () => {
        const id = await started(store, [bytes(100, 34)]);
        const body = new Readable({ read() {} });
        body.push(bytes(50_000, 35));
        setImmediate(() => body.destroy());
        await expect(store.appendUpload(id, 100, body, 1 << 20)).rejects.toThrow();
        expect(await store.uploadSize(id)).toBe(100);
      });

      it('appends nothing of an HTTP request its client aborts midway', async () => {
        const id = await started(store, []);
        const outcome = new Promise<unknown>((resolve) => {
          const server = createServer((request) => {
            store.appendUpload(id, 0, request, 1 << 30).then(resolve, resolve);
            server.close();
          });
          server.listen(0, '127.0.0.1', () => {
            const { port } = server.address() as AddressInfo;
            const client = request({ port, method: 'PATCH', host: '127.0.0.1' });
            client.on('error', () => undefined);
            client.setHeader('Content-Length', 10_000_000);
            client.write(bytes(300_000, 36), () => setTimeout(() => client.destroy(), 50));
          });
        });
        expect(await outcome).toBeInstanceOf(Error);
        expect(await store.uploadSize(id)).toBe(0);
      });

      it('refuses a body over maxBytes, appending nothing', async () => {
        const id = await started(store, [bytes(10, 14)]);
        await expectCode(
          store.appendUpload(id, 10, streamOf(bytes(600, 15), bytes(600, 16)), 1000),
          'LIMIT_EXCEEDED',
        );
        expect(await store.uploadSize(id)).toBe(10);
        expect(await store.appendUpload(id, 10, streamOf(bytes(1000, 17)), 1000)).toBe(1010);
      });

      it('refuses a commit whose bytes do not match the digest: nothing visible, data gone', async () => {
        const content = bytes(1000, 18);
        const id = await started(store, [content]);
        const claimed = sha256(bytes(1000, 19));
        await expectCode(store.commitUpload(id, claimed), 'DIGEST_MISMATCH');
        expect(await store.stat(claimed)).toBeUndefined();
        expect(await store.stat(sha256(content))).toBeUndefined();
        expect(await store.uploadSize(id)).toBeUndefined();
        expect(await collect(store.listUploads())).toEqual([]);
        expect(await collect(store.list())).toEqual([]);
      });

      it('verifies sha512 digests', async () => {
        const content = bytes(3000, 20);
        const info = await push(store, [content], 'sha512');
        expect(info.digest).toMatch(/^sha512:[0-9a-f]{128}$/);
        expectBytes(await readAll(await store.open(info.digest)), content);
        const id = await started(store, [content]);
        await expectCode(store.commitUpload(id, sha512(bytes(3000, 21))), 'DIGEST_MISMATCH');
      });

      it('commits a digest already stored, keeping one blob', async () => {
        const content = bytes(5000, 22);
        const first = await push(store, [content]);
        const second = await push(store, [content.subarray(0, 2000), content.subarray(2000)]);
        expect(second).toEqual(first);
        expect(await collect(store.list())).toEqual([first]);
        expectBytes(await readAll(await store.open(first.digest)), content);
      });

      it('lets many uploads of one blob commit at once: all succeed, one blob', async () => {
        const content = bytes(200_000, 23);
        const digest = sha256(content);
        const ids = await Promise.all(Array.from({ length: 8 }, () => started(store, [content])));
        const infos = await Promise.all(ids.map((id) => store.commitUpload(id, digest)));
        for (const info of infos) expect(info).toEqual({ digest, size: content.length });
        expect(await collect(store.list())).toEqual([{ digest, size: content.length }]);
        expectBytes(await readAll(await store.open(digest)), content);
        expect(await collect(store.listUploads())).toEqual([]);
      });

      it('lists the uploads that have data, and forgets aborted and committed ones', async () => {
        const a = await started(store, []);
        const b = await started(store, [bytes(10, 24)]);
        expect((await collect(store.listUploads())).sort()).toEqual([a, b].sort());
        await store.abortUpload(a);
        await store.abortUpload(a);
        await store.commitUpload(b, sha256(bytes(10, 24)));
        expect(await collect(store.listUploads())).toEqual([]);
        await expectCode(
          store.appendUpload(a, 0, streamOf(bytes(1, 1)), 10),
          'STORE_UPLOAD_UNKNOWN',
        );
      });
    });

    it('accepts one of two appends at the same offset, refusing the other', async () => {
      const id = await started(store, [bytes(10, 25)]);
      const results = await Promise.allSettled([
        store.appendUpload(id, 10, streamOf(bytes(300, 26)), 1000),
        store.appendUpload(id, 10, streamOf(bytes(400, 27)), 1000),
      ]);
      const accepted = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result) => result.status === 'rejected');
      expect(accepted).toHaveLength(1);
      expect(refused[0]?.reason).toMatchObject({ code: 'STORE_RANGE_INVALID' });
      expect(await store.uploadSize(id)).toBe(accepted[0]?.value);
    });

    const { openPeer } = options;
    describe.runIf(openPeer !== undefined)('shared storage (another node, or a restart)', () => {
      let peer: BlobStore;
      beforeEach(async () => {
        peer = await openPeer!();
      });
      afterEach(async () => {
        await peer.close();
      });

      it('continues an upload begun on the other store and commits it there', async () => {
        const parts = [bytes(1000, 28), bytes(2000, 29), bytes(3000, 30)];
        const id = await started(store, [parts[0]!]);
        expect(await peer.uploadSize(id)).toBe(1000);
        expect(await peer.appendUpload(id, 1000, streamOf(parts[1]!), 1 << 20)).toBe(3000);
        expect(await store.appendUpload(id, 3000, streamOf(parts[2]!), 1 << 20)).toBe(6000);
        const content = Buffer.concat(parts);
        expect(await peer.commitUpload(id, sha256(content))).toEqual({
          digest: sha256(content),
          size: 6000,
        });
        expectBytes(await readAll(await store.open(sha256(content))), content);
        expect(await collect(store.listUploads())).toEqual([]);
      });

      it('refuses a mismatched commit of data the other store wrote, leaving nothing', async () => {
        const id = await started(store, [bytes(5000, 31)]);
        const claimed = sha256(bytes(5000, 32));
        await expectCode(peer.commitUpload(id, claimed), 'DIGEST_MISMATCH');
        expect(await store.stat(claimed)).toBeUndefined();
        expect(await store.uploadSize(id)).toBeUndefined();
        expect(await collect(peer.list())).toEqual([]);
      });

      it('sees and deletes the blobs the other store committed', async () => {
        const info = await push(store, [bytes(100, 33)]);
        expect(await peer.stat(info.digest)).toEqual(info);
        expect(await collect(peer.list())).toEqual([info]);
        expect(await peer.delete(info.digest)).toBe(true);
        expect(await store.stat(info.digest)).toBeUndefined();
      });
    });

    describe('large blobs', () => {
      const size = options.streamedBytes ?? 128 * 1024 * 1024;

      it(`streams a ${size >> 20} MiB blob in and out with memory far below its size`, async () => {
        const meter = new MemoryMeter();
        const id = randomUUID();
        await store.createUpload(id);
        const source = generated(size, meter);
        expect(await store.appendUpload(id, 0, source.stream, size)).toBe(size);
        const digest = `sha256:${source.hash.digest('hex')}`;
        expect(await store.commitUpload(id, digest)).toEqual({ digest, size });
        const hash = createHash('sha256');
        for await (const chunk of await store.open(digest)) {
          hash.update(chunk as Buffer);
          meter.sample();
        }
        expect(`sha256:${hash.digest('hex')}`).toBe(digest);
        expect(meter.growth).toBeLessThan(size / 2);
      }, 120_000);
    });
  });
}

/** Deterministic bytes: `length` of them from `seed`. */
function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sha256(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

function sha512(content: Buffer): string {
  return `sha512:${createHash('sha512').update(content).digest('hex')}`;
}

function streamOf(...chunks: Buffer[]): Readable {
  return Readable.from(chunks);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Compares bytes by length and hash, so that a failure does not print megabytes. */
function expectBytes(actual: Buffer, expected: Buffer): void {
  expect({ length: actual.length, sha256: sha256(actual) }).toEqual({
    length: expected.length,
    sha256: sha256(expected),
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function sortByDigest(infos: BlobInfo[]): BlobInfo[] {
  return [...infos].sort((a, b) => a.digest.localeCompare(b.digest));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** A new upload holding `chunks`, appended one request each. */
async function started(store: BlobStore, chunks: Buffer[]): Promise<string> {
  const id = randomUUID();
  await store.createUpload(id);
  let offset = 0;
  for (const chunk of chunks)
    offset = await store.appendUpload(id, offset, streamOf(chunk), 1 << 30);
  return id;
}

/** Uploads `chunks` and commits them under their digest. */
async function push(
  store: BlobStore,
  chunks: Buffer[],
  algorithm: 'sha256' | 'sha512' = 'sha256',
): Promise<BlobInfo> {
  const id = await started(store, chunks);
  const content = Buffer.concat(chunks);
  return store.commitUpload(id, algorithm === 'sha256' ? sha256(content) : sha512(content));
}

/** Peak growth of JS heap plus buffer memory over the value at construction. */
class MemoryMeter {
  readonly #baseline = MemoryMeter.#now();
  #peak = this.#baseline;

  static #now(): number {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  }

  sample(): void {
    this.#peak = Math.max(this.#peak, MemoryMeter.#now());
  }

  get growth(): number {
    return this.#peak - this.#baseline;
  }
}

/** A stream of `size` generated bytes in 64 KiB chunks, hashed as it is read. */
function generated(
  size: number,
  meter: MemoryMeter,
): { stream: Readable; hash: ReturnType<typeof createHash> } {
  const hash = createHash('sha256');
  const template = bytes(64 * 1024, 99);
  async function* chunks() {
    for (let offset = 0, n = 0; offset < size; offset += template.length, n++) {
      const chunk = Buffer.from(template.subarray(0, Math.min(template.length, size - offset)));
      chunk.writeUInt32BE(n, 0);
      hash.update(chunk);
      if (n % 16 === 0) meter.sample();
      yield chunk;
      await tick();
    }
  }
  return { stream: Readable.from(chunks()), hash };
}
