/**
 * The OCI distribution API of `moat serve` (spec v1.1): {@link registerV2} adds every `/v2`
 * route to a Fastify instance, in an encapsulated scope of its own so that its content-type
 * handling (request bodies stay unread streams, no body limit) and its error rendering (the
 * spec's JSON error bodies) touch no other route.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

import type { RegistryContext } from '../context.js';
import { blobEndpoint } from './blob-routes.js';
import { sendOciError } from './errors.js';
import {
  baseEndpoint,
  catalogEndpoint,
  referrersEndpoint,
  tagsEndpoint,
} from './listing-routes.js';
import { manifestEndpoint } from './manifest-routes.js';
import { parseV2Path } from './path.js';
import { uploadEndpoint, uploadsEndpoint } from './upload-routes.js';

const methods: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Registers the `/v2` API on `app`: every answer carries `Docker-Distribution-API-Version:
 * registry/2.0`; every failure is an OCI error body; access goes through `ctx.access`.
 * @example registerV2(app, { blobs, meta, access, limits }); await app.listen({ port: 5000 });
 */
export function registerV2(app: FastifyInstance, ctx: RegistryContext): void {
  void app.register((scope, _options, done) => {
    // Bodies stay in `request.raw`: blobs are streamed to the store, manifests read with their
    // own limit. Fastify's bodyLimit applies only to bodies it parses itself, so none applies here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, parsed) => {
      parsed(null);
    });
    scope.addHook('onRequest', (_request, reply, next) => {
      void reply.header('docker-distribution-api-version', 'registry/2.0');
      next();
    });
    scope.setErrorHandler((error, request, reply) => {
      sendOciError(error, request, reply);
    });
    const handler = (request: FastifyRequest, reply: FastifyReply): Promise<void> =>
      dispatch(ctx, request, reply);
    scope.route({ method: methods, url: '/v2', handler });
    scope.route({ method: methods, url: '/v2/*', handler });
    done();
  });
}

async function dispatch(
  ctx: RegistryContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const endpoint = parseV2Path(request.raw.url ?? request.url);
  switch (endpoint.kind) {
    case 'base':
      return baseEndpoint(ctx, request, reply);
    case 'catalog':
      return catalogEndpoint(ctx, request, reply);
    case 'tags':
      return tagsEndpoint(ctx, endpoint, request, reply);
    case 'referrers':
      return referrersEndpoint(ctx, endpoint, request, reply);
    case 'manifest':
      return manifestEndpoint(ctx, endpoint, request, reply);
    case 'blob':
      return blobEndpoint(ctx, endpoint, request, reply);
    case 'uploads':
      return uploadsEndpoint(ctx, endpoint, request, reply);
    case 'upload':
      return uploadEndpoint(ctx, endpoint, request, reply);
  }
}
