/**
 * `GET`/`HEAD`/`PUT`/`DELETE /v2/<name>/manifests/<reference>`: manifests are returned byte for
 * byte with their stored `Content-Type` and `Docker-Content-Digest`, after `Accept` negotiation;
 * a push reads the body within the manifest size limit (413 above it) and answers `Location`,
 * `Docker-Content-Digest` and, for a manifest with a subject, `OCI-Subject`. A classified image
 * (`moat.classification`) is served only to principals granted its classification.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DistributionError } from '../../distribution/errors.js';
import {
  deleteManifestOrTag,
  fetchManifest,
  parseReference,
  pushManifest,
  type ManifestReferenceInPath,
} from '../../distribution/manifests.js';
import { acceptsMediaType } from '../../distribution/media-types.js';
import type { Principal } from '../../auth/types.js';
import type { RegistryContext } from '../context.js';
import { afterPush, gatePull, gatePush } from '../gate/v2-hooks.js';
import { pullThroughManifest, refusePushToProxy } from '../proxy/hooks.js';
import { requireRepository } from './access.js';
import { manifestAudit } from './audit.js';
import { requireClassification } from './classification.js';
import { manifestLocation, methodNotAllowed, readBodyWithin } from './http.js';

/** Answers a request to `/v2/<name>/manifests/<reference>`. */
export async function manifestEndpoint(
  ctx: RegistryContext,
  endpoint: { name: string; reference: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { name } = endpoint;
  switch (request.method) {
    case 'HEAD': {
      const principal = await requireRepository(ctx.access, request, name, ['pull']);
      const reference = readableReference(endpoint.reference);
      await serveManifest(ctx, name, reference, principal, request, reply);
      return;
    }
    case 'GET': {
      const audit = manifestAudit(ctx, request, 'registry.pull', name, endpoint.reference);
      try {
        const principal = await requireRepository(ctx.access, request, name, ['pull']);
        audit.principal = principal;
        const reference = readableReference(endpoint.reference);
        audit.digest = await serveManifest(ctx, name, reference, principal, request, reply);
      } catch (error) {
        audit.failed(error);
        throw error;
      }
      audit.succeeded();
      return;
    }
    case 'PUT': {
      const audit = manifestAudit(ctx, request, 'registry.push', name, endpoint.reference);
      let pushed;
      try {
        const principal = await requireRepository(ctx.access, request, name, ['pull', 'push']);
        audit.principal = principal;
        await refusePushToProxy(ctx, name);
        const reference = parseReference(endpoint.reference);
        const body = await readBodyWithin(request, ctx.limits.maxManifestBytes);
        await gatePush(ctx, name, reference, body, principal);
        pushed = await pushManifest(ctx, name, reference, body, request.headers['content-type']);
        audit.digest = pushed.digest;
        await afterPush(ctx, name, reference, pushed.subject, (error) =>
          request.log.warn({ err: error }, 'the gate could not re-decide after a referrer push'),
        );
      } catch (error) {
        audit.failed(error);
        throw error;
      }
      audit.succeeded();
      await requestScan(ctx, request, name, pushed.digest);
      await reply
        .code(201)
        .headers({
          location: manifestLocation(name, pushed.digest),
          'docker-content-digest': pushed.digest,
          'content-length': '0',
          ...(pushed.subject !== undefined ? { 'oci-subject': pushed.subject } : {}),
        })
        .send();
      return;
    }
    case 'DELETE': {
      const audit = manifestAudit(ctx, request, 'registry.delete', name, endpoint.reference);
      try {
        audit.principal = await requireRepository(ctx.access, request, name, ['delete']);
        const reference = readableReference(endpoint.reference);
        // The digest a deleted tag named, for the audit target.
        if (reference.kind === 'tag') audit.digest = await ctx.meta.resolveTag(name, reference.tag);
        await deleteManifestOrTag(ctx, name, reference);
      } catch (error) {
        audit.failed(error);
        throw error;
      }
      audit.succeeded();
      await reply.code(202).header('content-length', '0').send();
      return;
    }
    default:
      throw methodNotAllowed(request.method, ['GET', 'HEAD', 'PUT', 'DELETE']);
  }
}

async function serveManifest(
  ctx: RegistryContext,
  name: string,
  reference: ManifestReferenceInPath,
  principal: Principal,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<string> {
  await pullThroughManifest(ctx, name, reference.kind === 'tag' ? reference.tag : reference.digest);
  const record = await fetchManifest(ctx, name, reference);
  await requireClassification(ctx, principal, record);
  await gatePull(ctx, name, record.digest, principal);
  if (!acceptsMediaType(request.headers.accept, record.mediaType)) {
    // Distribution's answer when the stored type is not acceptable and no conversion exists.
    throw new DistributionError(
      'MANIFEST_UNKNOWN',
      `the manifest is ${record.mediaType}, which the Accept header excludes`,
      { detail: { mediaType: record.mediaType } },
    );
  }
  void reply.headers({
    'content-type': record.mediaType,
    'docker-content-digest': record.digest,
    etag: `"${record.digest}"`,
    'content-length': String(record.size),
  });
  await reply.send(request.method === 'HEAD' ? undefined : record.content);
  return record.digest;
}

/**
 * Scan on push: the stored manifest is recorded pending and queued before the push is answered,
 * so that a pull right after it finds the scan under way. A failure to queue never fails the
 * push (the manifest is stored); it is logged, and the scan is requested again at the next pull
 * that needs it.
 */
async function requestScan(
  ctx: RegistryContext,
  request: FastifyRequest,
  repository: string,
  digest: string,
): Promise<void> {
  if (!ctx.scans) return;
  try {
    await ctx.scans.request(repository, digest);
  } catch (error) {
    request.log.warn({ err: error, repository, digest }, 'could not request the scan of a push');
  }
}

/**
 * A reference to read or delete. A tag outside the grammar cannot name anything: it is unknown
 * (404, as the conformance suite expects); a malformed digest stays a 400 `DIGEST_INVALID`.
 */
function readableReference(reference: string): ManifestReferenceInPath {
  try {
    return parseReference(reference);
  } catch (error) {
    if (error instanceof DistributionError && error.ociCode === 'TAG_INVALID') {
      throw new DistributionError(
        'MANIFEST_UNKNOWN',
        'no manifest has this reference (not a valid tag)',
        {
          detail: error.detail,
          cause: error,
        },
      );
    }
    throw error;
  }
}
