/**
 * The access checks of the `/v2` routes: each asks the {@link Access} seam for the scope its
 * endpoint needs (pull to read, push and pull to upload, delete to delete, the catalog scope for
 * `/v2/_catalog`, and mere authentication for `/v2/`).
 */
import type { FastifyRequest } from 'fastify';

import type { Access, AccessRequest, Principal, RepositoryAction } from '../../auth/types.js';

/** Resolves when the request may do `actions` on `repository`; rejects with an AccessError. */
export function requireRepository(
  access: Access,
  request: FastifyRequest,
  repository: string,
  actions: RepositoryAction[],
): Promise<Principal> {
  return access.require(accessRequest(request), { type: 'repository', name: repository, actions });
}

/** Resolves when the request may list the catalog. */
export function requireCatalog(access: Access, request: FastifyRequest): Promise<Principal> {
  return access.require(accessRequest(request), {
    type: 'registry',
    name: 'catalog',
    actions: ['*'],
  });
}

/**
 * Resolves when the request carries valid credentials, whatever they grant (`GET /v2/`): a
 * repository scope that asks for no action only authenticates.
 */
export function requireAuthenticated(access: Access, request: FastifyRequest): Promise<Principal> {
  return access.require(accessRequest(request), { type: 'repository', name: '', actions: [] });
}

// `protocol` travels along so that the token realm of a challenge is https:// behind TLS
// (auth/realm.ts reads it when present); without it skopeo was sent to http:// and failed.
function accessRequest(request: FastifyRequest): AccessRequest {
  return { headers: request.headers, ip: request.ip, protocol: request.protocol };
}
