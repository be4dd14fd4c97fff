/**
 * Small request and reply helpers shared by the `/v2` routes: query parameters, body presence,
 * the bounded manifest body read, and the `Location` URLs the spec prescribes.
 */
import type { FastifyRequest } from 'fastify';

import { DistributionError } from '../../distribution/errors.js';

/** The first value of query parameter `name`, undefined when absent. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/** True when the request announces a body (a positive `Content-Length` or chunked encoding). */
export function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/**
 * Reads the request body into memory, at most `maxBytes` (a manifest); above it 413
 * `SIZE_INVALID`, answered with `Connection: close` so the rest of the body is not read.
 */
export async function readBodyWithin(request: FastifyRequest, maxBytes: number): Promise<Buffer> {
  const tooLarge = (): DistributionError =>
    new DistributionError('SIZE_INVALID', `the manifest exceeds the ${maxBytes}-byte limit`, {
      status: 413,
      detail: { limit: maxBytes },
      headers: { connection: 'close' },
    });
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** `/v2/<name>/blobs/<digest>`. */
export function blobLocation(name: string, digest: string): string {
  return `/v2/${name}/blobs/${digest}`;
}

/** `/v2/<name>/blobs/uploads/<id>`. */
export function uploadLocation(name: string, id: string): string {
  return `/v2/${name}/blobs/uploads/${id}`;
}

/** `/v2/<name>/manifests/<digest>`. */
export function manifestLocation(name: string, digest: string): string {
  return `/v2/${name}/manifests/${digest}`;
}

/** 405 `UNSUPPORTED` for a method the endpoint does not have. */
export function methodNotAllowed(method: string, allowed: string[]): DistributionError {
  return new DistributionError('UNSUPPORTED', `${method} is not supported here`, {
    status: 405,
    headers: { allow: allowed.join(', ') },
  });
}
