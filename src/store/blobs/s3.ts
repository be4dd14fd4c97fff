/**
 * The S3-compatible blob store, for several stateless `moat serve` nodes (key layout in
 * `s3-keys.ts`). Each append becomes one chunk object, written through lib-storage (multipart
 * beyond one part) so that it appears whole or not at all; a body that fails never completes its
 * upload. A commit streams the chunks in order through the hash into the final key and fails the
 * stream before its end when the digest does not match, so the object never becomes visible; then
 * the chunks are deleted. Nothing is buffered beyond lib-storage's parts.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { StoreError } from '../../errors.js';
import type { BlobInfo, BlobStore, BlobStoreConfig, ByteRange, Digest } from '../types.js';
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
} from './names.js';
import { isInvalidRange, isMissingObject, s3Failure } from './s3-errors.js';
import { S3Keys } from './s3-keys.js';
import { countedBody, firstBytes, listObjects, mapLimit } from './s3-streams.js';

/** The S3 settings of a blob store. */
export type S3BlobStoreConfig = Extract<BlobStoreConfig, { kind: 's3' }>;

/** Most appends (chunk objects) one upload may have; S3's own multipart limit is the same. */
const maxChunks = 10_000;
/** Parts of one transfer in flight at once: memory is about this many times the part size. */
const queueSize = 2;

/** Opens the S3 blob store, checking that the bucket answers. */
export async function openS3BlobStore(config: S3BlobStoreConfig): Promise<BlobStore> {
  if (config.partSize < 5 * 1024 * 1024) {
    throw new StoreError('STORE_UNAVAILABLE', `S3 part size ${config.partSize} is below 5 MiB`);
  }
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials:
      config.accessKeyId !== undefined && config.secretAccessKey !== undefined
        ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
        : undefined,
    // Checksums only where S3 requires them: S3-compatible stores (s3rver, older MinIO and
    // Ceph) refuse the newer checksum headers; the store verifies digests itself.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Blob GETs hold a connection for as long as their client reads: allow many at once. A
    // connection idle for five minutes (S3 silent, or a client that stopped reading) is dropped.
    requestHandler: {
      connectionTimeout: 10_000,
      requestTimeout: 300_000,
      httpAgent: { keepAlive: true, maxSockets: 1024 },
      httpsAgent: { keepAlive: true, maxSockets: 1024 },
    },
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
  } catch (error) {
    client.destroy();
    throw s3Failure(error, `bucket ${config.bucket}`);
  }
  return new S3BlobStore(client, config);
}

interface Chunk {
  key: string;
  offset: number;
  size: number;
}

class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #partSize: number;
  readonly #keys: S3Keys;
  readonly #locks = new KeyedLock();

  constructor(client: S3Client, config: S3BlobStoreConfig) {
    this.#client = client;
    this.#bucket = config.bucket;
    this.#partSize = config.partSize;
    this.#keys = new S3Keys(config.prefix);
  }

  async stat(digest: Digest): Promise<BlobInfo | undefined> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) return undefined;
    const size = await this.#size(this.#keys.blob(parsed));
    return size === undefined ? undefined : { digest, size };
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) throw blobUnknown(digest);
    if (range !== undefined && !rangeFits(range, Number.MAX_SAFE_INTEGER)) {
      throw rangeOutside(digest, range);
    }
    let answer;
    try {
      answer = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#keys.blob(parsed),
          Range: range === undefined ? undefined : `bytes=${range.start}-${range.end}`,
        }),
      );
    } catch (error) {
      if (isMissingObject(error)) throw blobUnknown(digest);
      if (isInvalidRange(error) && range !== undefined) throw rangeOutside(digest, range);
      throw s3Failure(error, `read of ${digest}`);
    }
    const body = answer.Body as Readable;
    if (range === undefined) return body;
    // S3 shortens a range that runs past the end; the contract refuses it instead. Some
    // S3-compatible servers send more than asked (s3rver answers `bytes=0-0` whole): take the
    // asked bytes only.
    const served = /^bytes ([0-9]+)-([0-9]+)\/([0-9]+)$/.exec(answer.ContentRange ?? '');
    const total = Number(served?.[3] ?? Number.NaN);
    if (!rangeFits(range, total) || Number(served?.[1]) !== range.start) {
      body.destroy();
      throw rangeOutside(digest, range, total);
    }
    const length = range.end - range.start + 1;
    return Number(served?.[2]) === range.end ? body : firstBytes(body, length);
  }

  async delete(digest: Digest): Promise<boolean> {
    const parsed = parseBlobDigest(digest);
    if (parsed === undefined) return false;
    const key = this.#keys.blob(parsed);
    if ((await this.#size(key)) === undefined) return false;
    await this.#deleteObject(key);
    return true;
  }

  async *list(): AsyncIterable<BlobInfo> {
    for await (const page of listObjects(this.#client, this.#bucket, this.#keys.blobsPrefix)) {
      for (const object of page.Contents ?? []) {
        const digest = this.#keys.digestOf(object.Key ?? '');
        if (digest !== undefined) yield { digest, size: object.Size ?? 0 };
      }
    }
  }

  async createUpload(id: string): Promise<void> {
    checkUploadId(id);
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: this.#keys.session(id), Body: '' }),
      );
    } catch (error) {
      throw s3Failure(error, `start of upload ${id}`);
    }
  }

  async appendUpload(
    id: string,
    offset: number,
    data: Readable,
    maxBytes: number,
  ): Promise<number> {
    checkUploadId(id);
    return this.#locks.run(id, async () => {
      const chunks = await this.#chunks(id);
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
        await this.#transfer(key, body.stream);
      } catch (error) {
        // A failed body never completed the transfer: nothing of it is stored.
        if (body.failure !== undefined) throw body.failure;
        await this.#deleteObject(key).catch(() => undefined);
        throw s3Failure(error, `append to upload ${id}`);
      }
      return offset + body.bytes;
    });
  }

  async uploadSize(id: string): Promise<number | undefined> {
    if (!isUploadId(id)) return undefined;
    const chunks = await this.#chunks(id);
    return chunks === undefined ? undefined : sizeOf(chunks);
  }

  async commitUpload(id: string, digest: Digest): Promise<BlobInfo> {
    checkUploadId(id);
    const parsed = digestToVerify(digest);
    return this.#locks.run(id, async () => {
      const chunks = await this.#chunks(id);
      if (chunks === undefined) throw uploadUnknown(id);
      const target = this.#keys.blob(parsed);
      let mismatch: StoreError | undefined;
      const verified = async function* (this: S3BlobStore) {
        const hash = createHash(parsed.algorithm);
        for (const chunk of chunks) {
          if (chunk.size === 0) continue;
          for await (const bytes of await this.#read(chunk.key)) {
            hash.update(bytes as Buffer);
            yield bytes as Buffer;
          }
        }
        const actual = hash.digest('hex');
        if (actual !== parsed.hex) {
          // Thrown before the stream ends: the transfer to the final key never completes.
          mismatch = digestMismatch(digest, `${parsed.algorithm}:${actual}`);
          throw mismatch;
        }
      }.call(this);
      try {
        if ((await this.#size(target)) === undefined) {
          await this.#transfer(target, Readable.from(verified));
        } else {
          // The blob is stored already: verify the upload's bytes, keep the blob as it is.
          for await (const _bytes of verified) {
            // discard
          }
        }
      } catch (error) {
        if (mismatch === undefined) throw s3Failure(error, `commit of upload ${id}`);
        await this.#removeUpload(id);
        throw mismatch;
      }
      await this.#removeUpload(id);
      return { digest, size: sizeOf(chunks) };
    });
  }

  async abortUpload(id: string): Promise<void> {
    if (!isUploadId(id)) return;
    await this.#locks.run(id, () => this.#removeUpload(id));
  }

  async *listUploads(): AsyncIterable<string> {
    const prefix = this.#keys.uploadsPrefix;
    for await (const page of listObjects(this.#client, this.#bucket, prefix, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        const id = (common.Prefix ?? '').slice(prefix.length, -1);
        if (isUploadId(id)) yield id;
      }
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
    return Promise.resolve();
  }

  /** The upload's chunks in order, checked to be contiguous; undefined when it does not exist. */
  async #chunks(id: string): Promise<Chunk[] | undefined> {
    const chunks: Chunk[] = [];
    let session = false;
    const sessionKey = this.#keys.session(id);
    for await (const page of listObjects(this.#client, this.#bucket, this.#keys.upload(id))) {
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? '';
        if (key === sessionKey) session = true;
        const offset = this.#keys.chunkOffset(id, key);
        if (offset !== undefined) chunks.push({ key, offset, size: object.Size ?? 0 });
        if (chunks.length > maxChunks) {
          throw new StoreError('LIMIT_EXCEEDED', `upload ${id} has more than ${maxChunks} chunks`);
        }
      }
    }
    if (!session && chunks.length === 0) return undefined;
    chunks.sort((a, b) => a.offset - b.offset);
    let expected = 0;
    for (const chunk of chunks) {
      if (chunk.offset !== expected) {
        throw new StoreError(
          'STORE_RANGE_INVALID',
          `upload ${id}: its data has a gap or overlap at byte ${Math.min(chunk.offset, expected)}`,
        );
      }
      expected += chunk.size;
    }
    return chunks;
  }

  /** Deletes every object of the upload (its chunks and its session marker). */
  async #removeUpload(id: string): Promise<void> {
    const keys: string[] = [];
    for await (const page of listObjects(this.#client, this.#bucket, this.#keys.upload(id))) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    await mapLimit(keys, 8, (key) => this.#deleteObject(key));
  }

  /** Writes `body` to `key`; the object appears only once the whole body was read. */
  async #transfer(key: string, body: Readable): Promise<void> {
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: key, Body: body },
      partSize: this.#partSize,
      queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async #read(key: string): Promise<Readable> {
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key }),
      );
      return answer.Body as Readable;
    } catch (error) {
      throw s3Failure(error, `read of ${key}`);
    }
  }

  /** The object's size, or undefined when it does not exist. */
  async #size(key: string): Promise<number | undefined> {
    try {
      const answer = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: key }),
      );
      return answer.ContentLength ?? 0;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw s3Failure(error, `stat of ${key}`);
    }
  }

  async #deleteObject(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      if (!isMissingObject(error)) throw s3Failure(error, `delete of ${key}`);
    }
  }
}

function sizeOf(chunks: Chunk[]): number {
  let size = 0;
  for (const chunk of chunks) size += chunk.size;
  return size;
}
