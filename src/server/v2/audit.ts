/**
 * The audit trail of the registry: `registry.push` (manifest PUT), `registry.pull` (manifest GET;
 * not HEAD, not blobs — a pull is the manifest, and blob reads would flood the log) and
 * `registry.delete`, with the actor, client address, target `repo@digest` (the tag, when the
 * reference was one, in details; `repo:tag` when no digest was found) and outcome. A refusal of
 * authenticated credentials, or of a classified image, is `denied`; a missing or bad credential
 * is the token endpoint's
 * business (the 401 challenge is part of every client's normal dance) and is not recorded here.
 */
import type { FastifyRequest } from 'fastify';

import { DistributionError } from '../../distribution/errors.js';
import { auditActor, type AuditOutcome, type Principal } from '../../auth/model.js';
import { AccessError } from '../../auth/types.js';
import { MoatError } from '../../errors.js';
import type { RegistryContext } from '../context.js';

/** Collects what one manifest request learns, then records it once. */
export interface ManifestAudit {
  /** The authenticated principal, once access was granted. */
  principal: Principal | undefined;
  /** The manifest's digest, once known. */
  digest: string | undefined;
  succeeded(): void;
  failed(error: unknown): void;
}

/**
 * Starts the audit of one manifest request.
 * @example const audit = manifestAudit(ctx, request, 'registry.pull', 'team/app', 'v1');
 */
export function manifestAudit(
  ctx: RegistryContext,
  request: FastifyRequest,
  action: 'registry.push' | 'registry.pull' | 'registry.delete',
  repository: string,
  reference: string,
): ManifestAudit {
  const isDigest = reference.includes(':');
  const record = (outcome: AuditOutcome, error?: string): void => {
    const target =
      audit.digest !== undefined
        ? `${repository}@${audit.digest}`
        : `${repository}${isDigest ? '@' : ':'}${reference}`;
    const details: Record<string, string> = {};
    if (!isDigest) details['tag'] = reference;
    if (error !== undefined) details['error'] = error;
    ctx.audit.record({
      ...(audit.principal
        ? auditActor(audit.principal)
        : { actor: 'unknown', actorKind: 'anonymous' as const }),
      clientIp: request.ip,
      action,
      target,
      outcome,
      ...(Object.keys(details).length > 0 ? { details } : {}),
    });
  };
  const audit: ManifestAudit = {
    principal: undefined,
    digest: isDigest ? reference : undefined,
    succeeded: () => record('success'),
    failed(error) {
      if (error instanceof AccessError) {
        audit.principal ??= error.principal;
        if (error.code === 'ACCESS_DENIED') record('denied', error.code);
        return;
      }
      // A refusal past authentication (the label rule's `DENIED`) is a denial too.
      const code = errorCode(error);
      record(code === 'DENIED' ? 'denied' : 'failure', code);
    },
  };
  return audit;
}

function errorCode(error: unknown): string {
  if (error instanceof DistributionError) return error.ociCode;
  if (error instanceof MoatError) return (error as MoatError).code;
  return 'INTERNAL';
}
