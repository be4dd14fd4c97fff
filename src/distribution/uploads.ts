/**
 * Blob upload sessions (spec.md, "Pushing blobs"): start, streamed or chunked appends, status,
 * completion with digest verification, cancel, and cross-repository mounts. Completion follows the
 * garbage-collection protocol of `store/types.ts`: `beginBlob` (waiting while a collector holds
 * the record), `commitUpload`, then `putBlob`.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import type { BlobInfo, ByteRange, Digest, UploadSession } from '../store/types.js';
import { DistributionError } from './errors.js';
import { hasCode, type RegistryStores } from './stores.js';

/**
 * A collector's claim older than this is taken over (its collector died). Far longer than any
 * single blob deletion takes, so that a live collector is never overtaken mid-delete.
 */
const staleClaimMs = 10 * 60_000;
/** How long a commit waits for a collector to give a blob record back before answering 503. */
const busyWaitMs = 15_000;

/** Starts an upload session in `repository`; resolves to its id. */
export async function startUpload(stores: RegistryStores, repository: string): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  // Data first: a crash in between leaves orphaned partial data, which the expiry sweep removes.
  await stores.blobs.createUpload(id);
  await stores.meta.createUpload({ id, repository, createdAt: now, updatedAt: now });
  return id;
}

/** The bytes received so far by a live session of `repository`; `BLOB_UPLOAD_UNKNOWN` otherwise. */
export async function uploadOffset(
  stores: RegistryStores,
  repository: string,
  id: string,
): Promise<number> {
  await requireSession(stores, repository, id);
  return (await stores.blobs.uploadSize(id)) ?? 0;
}

/**
 * Appends a chunk. With `range` (from `Content-Range`) the chunk must start where the stored bytes
 * end (else 416 `RANGE_INVALID`, nothing read); without it the data is appended (a streamed
 * upload). Resolves to the session's new size.
 */
export async function appendChunk(
  stores: RegistryStores,
  repository: string,
  id: string,
  data: Readable,
  range?: ByteRange,
): Promise<number> {
  await requireSession(stores, repository, id);
  const offset = (await stores.blobs.uploadSize(id)) ?? 0;
  if (range !== undefined && range.start !== offset) {
    throw rangeInvalid(
      offset,
      `the chunk starts at ${range.start}, the upload holds ${offset} bytes`,
    );
  }
  const room = Math.max(0, stores.limits.maxBlobBytes - offset);
  const rangeLength = range === undefined ? undefined : range.end - range.start + 1;
  let size: number;
  try {
    size = await stores.blobs.appendUpload(id, offset, data, Math.min(room, rangeLength ?? room));
  } catch (error) {
    if (rangeLength !== undefined && rangeLength < room && hasCode(error, 'LIMIT_EXCEEDED')) {
      throw new DistributionError(
        'BLOB_UPLOAD_INVALID',
        'the chunk is longer than its Content-Range',
        {
          cause: error,
        },
      );
    }
    throw translateAppendError(error, offset, stores.limits.maxBlobBytes);
  }
  if (range !== undefined && size - offset !== range.end - range.start + 1) {
    // The body was shorter than its Content-Range promised; what arrived is kept (the client can
    // read the real offset back from the 416's Range header and continue from there).
    throw rangeInvalid(
      size,
      `the chunk held ${size - offset} bytes, its Content-Range promised ${range.end - range.start + 1}`,
    );
  }
  await stores.meta.touchUpload(id);
  return size;
}

/**
 * Completes a session: appends `data` when given, verifies the bytes against `digest` and makes
 * them the blob, linked to `repository`. A mismatch stores nothing (`DIGEST_INVALID`) and ends
 * the session.
 */
export async function completeUpload(
  stores: RegistryStores,
  repository: string,
  id: string,
  digest: Digest,
  data?: Readable,
): Promise<BlobInfo> {
  if (data !== undefined) await appendChunk(stores, repository, id, data);
  else await requireSession(stores, repository, id);
  await beginBlob(stores, digest);
  let blob: BlobInfo;
  try {
    blob = await stores.blobs.commitUpload(id, digest);
  } catch (error) {
    if (hasCode(error, 'DIGEST_MISMATCH')) {
      await stores.meta.deleteUpload(id);
      throw new DistributionError(
        'DIGEST_INVALID',
        `the uploaded content does not hash to ${digest}`,
        {
          detail: { digest },
          cause: error,
        },
      );
    }
    if (hasCode(error, 'STORE_UPLOAD_UNKNOWN')) throw uploadUnknown(id, error);
    throw error;
  }
  await stores.meta.putBlob(repository, blob);
  await stores.meta.deleteUpload(id);
  return blob;
}

/** Cancels a session and removes its data. */
export async function cancelUpload(
  stores: RegistryStores,
  repository: string,
  id: string,
): Promise<void> {
  await requireSession(stores, repository, id);
  await stores.meta.deleteUpload(id);
  await stores.blobs.abortUpload(id);
}

/**
 * Links `digest` from `from` into `repository` when `from` holds it; undefined when it does not
 * (or when its bytes went away meanwhile): the caller then starts an ordinary upload session.
 */
export async function mountBlob(
  stores: RegistryStores,
  repository: string,
  from: string,
  digest: Digest,
): Promise<BlobInfo | undefined> {
  const source = await stores.meta.getBlob(from, digest);
  if (source === undefined) return undefined;
  await beginBlob(stores, digest);
  // A collector may have removed the bytes between the lookup and beginBlob: check they are there.
  const stored = await stores.blobs.stat(digest);
  if (stored === undefined) return undefined;
  await stores.meta.putBlob(repository, stored);
  return stored;
}

/** `beginBlob` of the GC protocol, waiting (bounded) while a collector holds the record. */
async function beginBlob(stores: RegistryStores, digest: Digest): Promise<void> {
  const deadline = Date.now() + busyWaitMs;
  let pause = 20;
  while ((await stores.meta.beginBlob(digest, staleClaimMs)) === 'busy') {
    if (Date.now() > deadline) {
      throw new DistributionError(
        'TOOMANYREQUESTS',
        `blob ${digest} is being garbage-collected; retry`,
        {
          status: 503,
          detail: { digest },
        },
      );
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 500);
  }
}

async function requireSession(
  stores: RegistryStores,
  repository: string,
  id: string,
): Promise<UploadSession> {
  const session = await stores.meta.getUpload(id);
  const expired =
    session !== undefined && session.updatedAt.getTime() < Date.now() - stores.limits.uploadTtlMs;
  if (session === undefined || session.repository !== repository || expired) {
    throw uploadUnknown(id);
  }
  return session;
}

function translateAppendError(error: unknown, offset: number, maxBlobBytes: number): unknown {
  if (hasCode(error, 'STORE_RANGE_INVALID')) {
    return rangeInvalid(offset, 'another request appended to this upload at the same time');
  }
  if (hasCode(error, 'STORE_UPLOAD_UNKNOWN')) return uploadUnknown('', error);
  if (hasCode(error, 'LIMIT_EXCEEDED')) {
    return new DistributionError(
      'SIZE_INVALID',
      `the blob exceeds the ${maxBlobBytes}-byte limit`,
      {
        status: 413,
        detail: { limit: maxBlobBytes },
        cause: error,
      },
    );
  }
  return error;
}

function rangeInvalid(offset: number, message: string): DistributionError {
  return new DistributionError('RANGE_INVALID', message, { detail: { offset } });
}

function uploadUnknown(id: string, cause?: unknown): DistributionError {
  return new DistributionError('BLOB_UPLOAD_UNKNOWN', 'the upload session is unknown or expired', {
    detail: id === '' ? undefined : { id },
    cause,
  });
}
