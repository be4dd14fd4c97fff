/**
 * Listings: `GET /v2/<name>/tags/list` and `GET /v2/_catalog` (paginated with `n`/`last` and an
 * RFC 5988 `Link: <…>; rel="next"` header), `GET /v2/<name>/referrers/<digest>` (an OCI index,
 * optionally filtered by `artifactType` with `OCI-Filters-Applied`), and `GET /v2/`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import {
  listCatalogPage,
  listReferrers,
  listTagsPage,
  parsePage,
  type ListingPage,
} from '../../distribution/listings.js';
import { manifestMediaTypes } from '../../distribution/media-types.js';
import type { RegistryContext } from '../context.js';
import { requireAuthenticated, requireCatalog, requireRepository } from './access.js';
import { methodNotAllowed, queryParam } from './http.js';

/** Answers `GET /v2/` (200 `{}` for any authenticated caller). */
export async function baseEndpoint(
  ctx: RegistryContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  requireRead(request);
  await requireAuthenticated(ctx.access, request);
  await sendJson(reply, 'application/json', {});
}

/** Answers `GET /v2/<name>/tags/list`. */
export async function tagsEndpoint(
  ctx: RegistryContext,
  endpoint: { name: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  requireRead(request);
  await requireRepository(ctx.access, request, endpoint.name, ['pull']);
  const page = await listTagsPage(ctx, endpoint.name, pageOf(ctx, request));
  setNextLink(reply, `/v2/${endpoint.name}/tags/list`, page);
  await sendJson(reply, 'application/json', { name: endpoint.name, tags: page.items });
}

/** Answers `GET /v2/_catalog`. */
export async function catalogEndpoint(
  ctx: RegistryContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  requireRead(request);
  await requireCatalog(ctx.access, request);
  const page = await listCatalogPage(ctx, pageOf(ctx, request));
  setNextLink(reply, '/v2/_catalog', page);
  await sendJson(reply, 'application/json', { repositories: page.items });
}

/** Answers `GET /v2/<name>/referrers/<digest>`. */
export async function referrersEndpoint(
  ctx: RegistryContext,
  endpoint: { name: string; digest: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  requireRead(request);
  await requireRepository(ctx.access, request, endpoint.name, ['pull']);
  const artifactType = queryParam(request, 'artifactType') || undefined;
  const index = await listReferrers(ctx, endpoint.name, endpoint.digest, artifactType);
  if (artifactType !== undefined) void reply.header('oci-filters-applied', 'artifactType');
  await sendJson(reply, manifestMediaTypes.ociIndex, index);
}

function requireRead(request: FastifyRequest): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    throw methodNotAllowed(request.method, ['GET', 'HEAD']);
  }
}

function pageOf(ctx: RegistryContext, request: FastifyRequest): { n: number; last?: string } {
  return parsePage(
    { n: queryParam(request, 'n'), last: queryParam(request, 'last') },
    ctx.limits.maxPageSize,
  );
}

function setNextLink(reply: FastifyReply, path: string, page: ListingPage): void {
  if (page.next === undefined) return;
  const query = `last=${encodeURIComponent(page.next.last)}&n=${page.next.n}`;
  void reply.header('link', `<${path}?${query}>; rel="next"`);
}

/** Sends JSON as bytes, so that the Content-Type stays exactly `type` (no charset added). */
async function sendJson(reply: FastifyReply, type: string, value: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify(value));
  await reply.type(type).header('content-length', String(body.length)).send(body);
}
