/**
 * Blob uploads: `POST /v2/<name>/blobs/uploads/` (a session; `?digest=` single-request
 * monolithic upload; `?mount=&from=` cross-repository mount) and `GET`/`PATCH`/`PUT`/`DELETE
 * /v2/<name>/blobs/uploads/<id>` (status, streamed or chunked append, completion, cancel). Bodies
 * are read from the raw request stream, never buffered whole.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DistributionError } from '../../distribution/errors.js';
import { isDigest, isRepositoryName } from '../../distribution/grammar.js';
import {
  appendChunk,
  cancelUpload,
  completeUpload,
  mountBlob,
  startUpload,
  uploadOffset,
} from '../../distribution/uploads.js';
import type { BlobInfo } from '../../store/types.js';
import type { RegistryContext } from '../context.js';
import { refusePushToProxy } from '../proxy/hooks.js';
import { requireRepository } from './access.js';
import { blobLocation, hasBody, methodNotAllowed, queryParam, uploadLocation } from './http.js';
import { chunkRange } from './ranges.js';

/** Upload ids are the UUIDs {@link startUpload} makes; anything else is unknown at once. */
const uploadIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Answers `POST /v2/<name>/blobs/uploads/`. */
export async function uploadsEndpoint(
  ctx: RegistryContext,
  endpoint: { name: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  if (request.method !== 'POST') throw methodNotAllowed(request.method, ['POST']);
  const { name } = endpoint;
  await requireRepository(ctx.access, request, name, ['pull', 'push']);
  await refusePushToProxy(ctx, name);
  refuseOversizeBody(ctx, request);
  const mount = queryParam(request, 'mount');
  if (mount !== undefined) {
    const mounted = await tryMount(ctx, name, mount, queryParam(request, 'from'), request);
    if (mounted !== undefined) return sendCreated(reply, name, mounted);
  }
  const digest = queryParam(request, 'digest');
  if (digest !== undefined) {
    requireDigest(digest);
    const id = await startUpload(ctx, name);
    try {
      const blob = await completeUpload(ctx, name, id, digest, request.raw);
      return sendCreated(reply, name, blob);
    } catch (error) {
      await cancelUpload(ctx, name, id).catch(() => undefined);
      throw error;
    }
  }
  const id = await startUpload(ctx, name);
  await sendUploadState(reply.code(202), name, id, 0);
}

/** Answers `/v2/<name>/blobs/uploads/<id>`. */
export async function uploadEndpoint(
  ctx: RegistryContext,
  endpoint: { name: string; id: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { name, id } = endpoint;
  const allowed = ['GET', 'PATCH', 'PUT', 'DELETE'];
  if (!allowed.includes(request.method)) throw methodNotAllowed(request.method, allowed);
  await requireRepository(ctx.access, request, name, ['pull', 'push']);
  await refusePushToProxy(ctx, name);
  refuseOversizeBody(ctx, request);
  if (!uploadIdPattern.test(id)) {
    throw new DistributionError('BLOB_UPLOAD_UNKNOWN', 'the upload session is unknown or expired');
  }
  switch (request.method) {
    case 'GET':
      return sendUploadState(reply.code(204), name, id, await uploadOffset(ctx, name, id));
    case 'DELETE':
      await cancelUpload(ctx, name, id);
      await reply.code(204).send();
      return;
    case 'PATCH': {
      const size = await withUploadState(ctx, name, id, () =>
        appendChunk(ctx, name, id, request.raw, checkedChunkRange(request)),
      );
      return sendUploadState(reply.code(202), name, id, size);
    }
    default: {
      const digest = queryParam(request, 'digest') ?? '';
      requireDigest(digest);
      const range = checkedChunkRange(request);
      if (range !== undefined && hasBody(request)) {
        await withUploadState(ctx, name, id, () => appendChunk(ctx, name, id, request.raw, range));
      }
      const data = range === undefined && hasBody(request) ? request.raw : undefined;
      const blob = await withUploadState(ctx, name, id, () =>
        completeUpload(ctx, name, id, digest, data),
      );
      return sendCreated(reply, name, blob);
    }
  }
}

/** The mounted blob, or undefined to fall back to a new session (no `from`, no access, absent). */
async function tryMount(
  ctx: RegistryContext,
  name: string,
  mount: string,
  from: string | undefined,
  request: FastifyRequest,
): Promise<BlobInfo | undefined> {
  requireDigest(mount);
  if (from === undefined || from === '') return undefined;
  if (!isRepositoryName(from)) {
    throw new DistributionError('NAME_INVALID', 'the mount source is outside the name grammar', {
      detail: { from: from.slice(0, 300) },
    });
  }
  try {
    await requireRepository(ctx.access, request, from, ['pull']);
  } catch {
    // The spec's fallback: a caller who may not read `from` gets an ordinary upload session.
    return undefined;
  }
  return mountBlob(ctx, name, from, mount);
}

/** A chunk's `Content-Range`, checked against `Content-Length` when both are present. */
function checkedChunkRange(request: FastifyRequest): ReturnType<typeof chunkRange> {
  const header = request.headers['content-range'];
  const range = chunkRange(header);
  const length = request.headers['content-length'];
  if (
    range !== undefined &&
    length !== undefined &&
    Number(length) !== range.end - range.start + 1
  ) {
    throw new DistributionError(
      'BLOB_UPLOAD_INVALID',
      'Content-Length differs from Content-Range',
      {
        detail: { contentRange: header, contentLength: length },
      },
    );
  }
  return range;
}

/** Runs `operation`; a 416 it raises carries the session's `Location` and current `Range`. */
async function withUploadState<T>(
  ctx: RegistryContext,
  name: string,
  id: string,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof DistributionError && error.ociCode === 'RANGE_INVALID') {
      const offset = await uploadOffset(ctx, name, id).catch(() => undefined);
      if (offset !== undefined) {
        Object.assign(error.headers, uploadHeaders(name, id, offset));
      }
    }
    throw error;
  }
}

/** A body announced larger than the blob size limit is refused before a byte is read. */
function refuseOversizeBody(ctx: RegistryContext, request: FastifyRequest): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > ctx.limits.maxBlobBytes) {
    throw new DistributionError(
      'SIZE_INVALID',
      `the blob exceeds the ${ctx.limits.maxBlobBytes}-byte limit`,
      { status: 413, detail: { limit: ctx.limits.maxBlobBytes } },
    );
  }
}

function requireDigest(digest: string): void {
  if (!isDigest(digest)) {
    throw new DistributionError(
      'DIGEST_INVALID',
      'the digest is not sha256:<64 hex> or sha512:<128 hex>',
      {
        detail: { digest: digest.slice(0, 200) },
      },
    );
  }
}

function uploadHeaders(name: string, id: string, offset: number): Record<string, string> {
  // Distribution answers `0-0` for an empty upload; clients read it as "nothing yet".
  return {
    location: uploadLocation(name, id),
    range: `0-${Math.max(0, offset - 1)}`,
    'docker-upload-uuid': id,
  };
}

async function sendUploadState(
  reply: FastifyReply,
  name: string,
  id: string,
  offset: number,
): Promise<void> {
  // A 204 carries no Content-Length (RFC 9110 §8.6).
  const length = reply.statusCode === 204 ? {} : { 'content-length': '0' };
  await reply.headers({ ...uploadHeaders(name, id, offset), ...length }).send();
}

async function sendCreated(reply: FastifyReply, name: string, blob: BlobInfo): Promise<void> {
  await reply
    .code(201)
    .headers({
      location: blobLocation(name, blob.digest),
      'docker-content-digest': blob.digest,
      'content-length': '0',
    })
    .send();
}
