/**
 * The S3-compatible blob store, for several stateless `moat serve` nodes (key layout in
 * `s3-keys.ts`, object operations in `s3-bucket.ts`). Each append becomes one chunk object,
 * written through lib-storage (multipart beyond one part) so that it appears whole or not at all;
 * a body that fails never completes its transfer. A commit streams the chunks in order through the
 * hash into a staging key beside them, failing the stream before its end when the digest does not
 * match, and only a verified staged object is copied to the blob's key by the server: some
 * S3-compatible servers (s3rver) write a PUT's body straight into its object, so a writer killed
 * mid-PUT would leave a partial blob under its digest, while a server-side copy completes without
 * the writer (blobs beyond CopyObject's 5 GiB are multipart transfers, whole on completion). Then the upload's objects are deleted. Nothing is buffered beyond lib-storage's parts.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { StoreError } from '../../errors.js';
import type { BlobInfo, BlobStore, ByteRange, Digest } from '../types.js';
import { KeyedLock } from './keyed-lock.js';
import {
  blobUnknown,
  checkUploadId,
  digestMismatch,
  digestToVerify,
  isUploadId,
  parseBlobDigest,
  rangeFits,
  rangeOutside,
  uploadUnknown,
  type ParsedDigest,
} from './names.js';
import { maxCopyBytes, S3Bucket, type S3BlobStoreConfig } from './s3-bucket.js';
import { listChunks, maxChunks, sizeOf, type Chunk } from './s3-chunks.js';
import { s3Failure } from './s3-errors.js';
import { S3Keys } from './s3-keys.js';
import { countedBody, firstBytes, mapLimit } from './s3-streams.js';

/** Opens the S3 blob store, checking that the bucket answers. */
export async function openS3BlobStore(config: S3BlobStoreConfig): Promise<BlobStore> {
  if (config.partSize < 5 * 1024 * 1024) {
    throw new StoreError('STORE_UNAVAILABLE', `S3 part size ${config.partSize} is below 5 MiB`);
  }
  const bucket = new S3Bucket(config);
  try {
    await bucket.check();
  } catch (error) {
    bucket.destroy();
    throw error;
  }
  return new S3BlobStore(bucket, new S3Keys(config.prefix));
}

class S3BlobStore implements BlobStore {
  readonly #bucket: S3Bucket;
  readonly #keys: S3Keys;
  readonly #locks = new KeyedLock();

  constructor(bucket: S3Bucket, keys: S3Keys) {
    this.#bucket = bucket;
    this.#keys = keys;
  }

  async stat(digest: Digest): Promise<BlobInfo | undefined> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) return undefined;
    const size = await this.#bucket.size(this.#keys.blob(parsed));
    return size === undefined ? undefined : { digest, size };
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) throw blobUnknown(digest);
    if (range !== undefined && !rangeFits(range, Number.MAX_SAFE_INTEGER)) {
      throw rangeOutside(digest, range);
    }
    const read = await this.#bucket.read(this.#keys.blob(parsed), range);
    if (read === 'missing') throw blobUnknown(digest);
    if (read === 'unsatisfiable' && range !== undefined) throw rangeOutside(digest, range);
    if (typeof read === 'string') throw blobUnknown(digest);
    if (range === undefined) return read.body;
    // S3 shortens a range that runs past the end; the contract refuses it instead. Some
    // S3-compatible servers send more than asked (s3rver answers `bytes=0-0` whole): take the
    // asked bytes only.
    const served = /^bytes ([0-9]+)-([0-9]+)\/([0-9]+)$/.exec(read.contentRange ?? '');
    const total = Number(served?.[3] ?? Number.NaN);
    if (!rangeFits(range, total) || Number(served?.[1]) !== range.start) {
      read.body.destroy();
      throw rangeOutside(digest, range, total);
    }
    const length = range.end - range.start + 1;
    return Number(served?.[2]) === range.end ? read.body : firstBytes(read.body, length);
  }

  async delete(digest: Digest): Promise<boolean> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) return false;
    const key = this.#keys.blob(parsed);
    if ((await this.#bucket.size(key)) === undefined) return false;
    await this.#bucket.delete(key);
    return true;
  }

  async *list(): AsyncIterable<BlobInfo> {
    for await (const page of this.#bucket.list(this.#keys.blobsPrefix)) {
      for (const object of page.Contents ?? []) {
        const digest = this.#keys.digestOf(object.Key ?? '');
        if (digest !== undefined) yield { digest, size: object.Size ?? 0 };
      }
    }
  }

  async createUpload(id: string): Promise<void> {
    checkUploadId(id);
    await this.#bucket.putEmpty(this.#keys.session(id));
  }

  async appendUpload(
    id: string,
    offset: number,
    data: Readable,
    maxBytes: number,
  ): Promise<number> {
    checkUploadId(id);
    return this.#locks.run(id, async () => {
      const chunks = await listChunks(this.#bucket, this.#keys, id);
      if (chunks === undefined) throw uploadUnknown(id);
      const size = sizeOf(chunks);
      if (size !== offset) {
        throw new StoreError(
          'STORE_RANGE_INVALID',
          `upload ${id} holds ${size} bytes; a chunk at offset ${offset} does not follow them`,
        );
      }
      if (chunks.length >= maxChunks) {
        throw new StoreError(
          'LIMIT_EXCEEDED',
          `upload ${id} has ${maxChunks} chunks, the most allowed`,
        );
      }
      const key = this.#keys.chunk(id, offset);
      const body = countedBody(data, maxBytes, `upload ${id}`);
      try {
        await this.#bucket.transfer(key, body.stream);
      } catch (error) {
        // A failed body never completed the transfer: nothing of it is stored.
        if (body.failure !== undefined) throw body.failure;
        await this.#bucket.delete(key).catch(() => undefined);
        throw s3Failure(error, `append to upload ${id}`);
      } finally {
        body.stream.destroy();
      }
      return offset + body.bytes;
    });
  }

  async uploadSize(id: string): Promise<number | undefined> {
    if (!isUploadId(id)) return undefined;
    const chunks = await listChunks(this.#bucket, this.#keys, id);
    return chunks === undefined ? undefined : sizeOf(chunks);
  }

  async commitUpload(id: string, digest: Digest): Promise<BlobInfo> {
    checkUploadId(id);
    const parsed = digestToVerify(digest);
    return this.#locks.run(id, async () => {
      const chunks = await listChunks(this.#bucket, this.#keys, id);
      if (chunks === undefined) throw uploadUnknown(id);
      const target = this.#keys.blob(parsed);
      const source = this.#verifiedContent(chunks, parsed, digest);
      try {
        // Commits of one digest from several uploads take turns in this process: the first
        // stores the blob, the others find it and only verify their bytes.
        await this.#locks.run(target, async () => {
          if ((await this.#bucket.size(target)) === undefined) {
            await this.#store(id, target, source.stream, sizeOf(chunks));
          } else {
            // The blob is stored already: verify the upload's bytes, keep the blob as it is.
            for await (const _bytes of source.stream) {
              // discard
            }
          }
        });
      } catch (error) {
        if (source.mismatch === undefined) throw s3Failure(error, `commit of upload ${id}`);
        await this.#removeUpload(id);
        throw source.mismatch;
      } finally {
        // Ends a chunk read left open by a failed transfer.
        source.stream.destroy();
      }
      await this.#removeUpload(id);
      return { digest, size: sizeOf(chunks) };
    });
  }

  /**
   * Writes a commit's bytes to the blob's key. Up to CopyObject's limit they go to the staging
   * key first and the server copies them over; a larger blob is a multipart transfer, which the
   * server assembles only when it completes, so it goes to the blob's key directly.
   */
  async #store(id: string, target: string, content: Readable, size: number): Promise<void> {
    if (size > maxCopyBytes) {
      await this.#bucket.transfer(target, content);
      return;
    }
    const staged = this.#keys.staged(id);
    await this.#bucket.transfer(staged, content);
    try {
      await this.#bucket.copy(staged, target);
    } catch (error) {
      // Another process committing the same digest copied at the same moment (s3rver's copies
      // of one key collide): its blob is as verified as this one.
      if ((await this.#bucket.size(target)) !== size) throw error;
    }
  }

  /**
   * The chunks' bytes in order, hashed on the way; the stream fails before its end (so that no
   * transfer of it completes) when they do not hash to `digest`, and `mismatch` then says so.
   */
  #verifiedContent(
    chunks: readonly Chunk[],
    parsed: ParsedDigest,
    digest: Digest,
  ): { stream: Readable; readonly mismatch: StoreError | undefined } {
    const bucket = this.#bucket;
    const state: { mismatch: StoreError | undefined } = { mismatch: undefined };
    async function* content() {
      const hash = createHash(parsed.algorithm);
      for (const chunk of chunks) {
        if (chunk.size === 0) continue;
        const read = await bucket.read(chunk.key);
        if (typeof read === 'string') {
          throw new StoreError('STORE_UNAVAILABLE', `chunk ${chunk.key} vanished during a commit`);
        }
        for await (const bytes of read.body as AsyncIterable<Buffer>) {
          hash.update(bytes);
          yield bytes;
        }
      }
      const actual = hash.digest('hex');
      if (actual !== parsed.hex) {
        state.mismatch = digestMismatch(digest, `${parsed.algorithm}:${actual}`);
        throw state.mismatch;
      }
    }
    return {
      stream: Readable.from(content()),
      get mismatch() {
        return state.mismatch;
      },
    };
  }

  async abortUpload(id: string): Promise<void> {
    if (!isUploadId(id)) return;
    await this.#locks.run(id, () => this.#removeUpload(id));
  }

  async *listUploads(): AsyncIterable<string> {
    const prefix = this.#keys.uploadsPrefix;
    for await (const page of this.#bucket.list(prefix, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        const id = (common.Prefix ?? '').slice(prefix.length, -1);
        if (isUploadId(id)) yield id;
      }
    }
  }

  async close(): Promise<void> {
    this.#bucket.destroy();
    return Promise.resolve();
  }

  /** Deletes every object of the upload (its chunks and its session marker). */
  async #removeUpload(id: string): Promise<void> {
    const keys: string[] = [];
    for await (const page of this.#bucket.list(this.#keys.upload(id))) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    await mapLimit(keys, 8, (key) => this.#bucket.delete(key));
  }
}
