/**
 * The thin S3 driver under the S3 blob store: one client and bucket, and the few object
 * operations the store needs, each failing with a `StoreError` that names the operation (a
 * missing object is `undefined` or `false` where the caller asks). It knows nothing of blobs.
 */
import type { Readable } from 'node:stream';

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import type { BlobStoreConfig } from '../types.js';
import { isInvalidRange, isMissingObject, s3Failure } from './s3-errors.js';

/** The S3 settings of a blob store. */
export type S3BlobStoreConfig = Extract<BlobStoreConfig, { kind: 's3' }>;

/** Parts of one transfer in flight at once: memory is about this many times the part size. */
const queueSize = 2;

/** The largest object one CopyObject may copy (S3's limit). */
export const maxCopyBytes = 5 * 1024 ** 3;

/** An object read: its body, and for a ranged read the `Content-Range` S3 answered. */
export interface ObjectRead {
  body: Readable;
  contentRange?: string;
}

/** One bucket of an S3-compatible store. */
export class S3Bucket {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #partSize: number;

  constructor(config: S3BlobStoreConfig) {
    this.#bucket = config.bucket;
    this.#partSize = config.partSize;
    this.#client = new S3Client({
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
  }

  /** Fails unless the bucket exists and answers. */
  async check(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
    } catch (error) {
      throw s3Failure(error, `bucket ${this.#bucket}`);
    }
  }

  /** The object's size, or undefined when it does not exist. */
  async size(key: string): Promise<number | undefined> {
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

  /**
   * The object's bytes (of the inclusive `range`, when given); `missing` when it does not exist,
   * `unsatisfiable` when S3 refuses the range.
   */
  async read(
    key: string,
    range?: { start: number; end: number },
  ): Promise<ObjectRead | 'missing' | 'unsatisfiable'> {
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Range: range === undefined ? undefined : `bytes=${range.start}-${range.end}`,
        }),
      );
      return { body: answer.Body as Readable, contentRange: answer.ContentRange };
    } catch (error) {
      if (isMissingObject(error)) return 'missing';
      if (isInvalidRange(error) && range !== undefined) return 'unsatisfiable';
      throw s3Failure(error, `read of ${key}`);
    }
  }

  /** Writes an empty object. */
  async putEmpty(key: string): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          // An empty string has no length for the SDK, which then warns on stderr of a stream
          // of unknown length at every upload session.
          Body: new Uint8Array(0),
          ContentLength: 0,
        }),
      );
    } catch (error) {
      throw s3Failure(error, `write of ${key}`);
    }
  }

  /**
   * Writes `body` to `key` through lib-storage (multipart beyond one part). The object appears
   * only once the whole body was read: a body that fails leaves none. Errors are the SDK's or the
   * body's, as they are: the caller tells them apart.
   */
  async transfer(key: string, body: Readable): Promise<void> {
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: key, Body: body },
      partSize: this.#partSize,
      queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /**
   * Copies the object `from` (at most `maxCopyBytes`) to `to` inside the bucket, on the server:
   * the copy completes even when this process dies once it has asked, and `to` appears whole.
   */
  async copy(from: string, to: string): Promise<void> {
    try {
      await this.#client.send(
        new CopyObjectCommand({
          Bucket: this.#bucket,
          Key: to,
          CopySource: `${this.#bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
    } catch (error) {
      throw s3Failure(error, `copy of ${from} to ${to}`);
    }
  }

  /** Deletes the object; a missing one is no error. */
  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      if (!isMissingObject(error)) throw s3Failure(error, `delete of ${key}`);
    }
  }

  /** Every page of a ListObjectsV2 listing under `prefix`. */
  async *list(prefix: string, delimiter?: string): AsyncIterable<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            Delimiter: delimiter,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw s3Failure(error, `listing of ${prefix}`);
      }
      yield page;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** Closes the client's connections. */
  destroy(): void {
    this.#client.destroy();
  }
}
