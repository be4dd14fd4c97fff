/**
 * `HEAD`/`GET`/`DELETE /v2/<name>/blobs/<digest>`: blobs are streamed from the blob store with
 * backpressure (never buffered), with `Range` support (206, or 416 when unsatisfiable); a delete
 * unlinks the blob from the repository (202).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { openBlob, statBlob, unlinkBlob } from '../../distribution/blobs.js';
import { DistributionError } from '../../distribution/errors.js';
import type { RegistryContext } from '../context.js';
import { pullThroughBlob } from '../proxy/hooks.js';
import { requireRepository } from './access.js';
import { methodNotAllowed } from './http.js';
import { blobRange } from './ranges.js';

/** Answers a request to `/v2/<name>/blobs/<digest>`. */
export async function blobEndpoint(
  ctx: RegistryContext,
  endpoint: { name: string; digest: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { name, digest } = endpoint;
  switch (request.method) {
    case 'GET':
    case 'HEAD':
      await requireRepository(ctx.access, request, name, ['pull']);
      await pullThroughBlob(ctx, name, digest);
      return serveBlob(ctx, name, digest, request, reply);
    case 'DELETE':
      await requireRepository(ctx.access, request, name, ['delete']);
      await unlinkBlob(ctx, name, digest);
      await reply.code(202).header('content-length', '0').send();
      return;
    default:
      throw methodNotAllowed(request.method, ['GET', 'HEAD', 'DELETE']);
  }
}

async function serveBlob(
  ctx: RegistryContext,
  name: string,
  digest: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const blob = await statBlob(ctx, name, digest);
  const wanted = blobRange(request.headers.range, blob.size);
  if (wanted.kind === 'unsatisfiable') {
    throw new DistributionError('RANGE_INVALID', 'the requested range is not satisfiable', {
      detail: { size: blob.size },
      headers: { 'content-range': `bytes */${blob.size}` },
    });
  }
  const range = wanted.kind === 'partial' ? wanted.range : undefined;
  // Open before any header is set: a failure still renders as a clean error answer.
  const stream = request.method === 'GET' ? await openBlob(ctx, name, digest, range) : undefined;
  void reply
    .header('docker-content-digest', digest)
    .header('etag', `"${digest}"`)
    .header('accept-ranges', 'bytes')
    .type('application/octet-stream');
  if (range !== undefined) {
    void reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${blob.size}`)
      .header('content-length', String(range.end - range.start + 1));
  } else {
    void reply.header('content-length', String(blob.size));
  }
  await reply.send(stream);
}
