/**
 * The gate's hooks in the `/v2` manifest routes: a pull (`GET`/`HEAD`, by tag or digest) of a
 * manifest the project's policy refuses gets 403 `DENIED` naming the failing rules; a push the
 * policy refuses (`onPush: deny`) is refused before anything is stored; a pushed referrer (by
 * `subject`, or by cosign's `sha256-<hex>.sig|.att|.sbom` tag) makes its subject's decisions stale.
 */
import { createHash } from 'node:crypto';

import { auditActor, type Principal } from '../../auth/model.js';
import { DistributionError } from '../../distribution/errors.js';
import type { ManifestReferenceInPath } from '../../distribution/manifests.js';
import type { RegistryContext } from '../context.js';
import type { GateAnswer } from '../gate-types.js';
import { refusalDetail } from './answers.js';
import { cosignTagSubject } from './manifest-kind.js';
import { projectOf } from './project.js';

/**
 * Resolves when `principal` may pull `repository@digest`; rejects with `DENIED` otherwise.
 * Principals the gate exempts (those who may push to the repository: they sign, attest and
 * replace what they publish) are not gated.
 */
export async function gatePull(
  ctx: RegistryContext,
  repository: string,
  digest: string,
  principal: Principal,
): Promise<void> {
  if (!ctx.gate) return;
  // Most projects carry no policy: their pulls cost one lookup, not a permission check too.
  if ((await ctx.gate.policyOf(projectOf(repository))) === undefined) return;
  if (await ctx.gate.exempt?.(principal, repository)) return;
  refuseUnlessAllowed(await ctx.gate.checkPull(repository, digest, auditActor(principal).actor));
}

/** Resolves when the manifest in `body` may be pushed; rejects with `DENIED` otherwise. */
export async function gatePush(
  ctx: RegistryContext,
  repository: string,
  reference: ManifestReferenceInPath,
  body: Buffer,
  principal: Principal,
): Promise<void> {
  if (!ctx.gate) return;
  // The digest the registry will store it under (a wrong digest reference fails in the push).
  const digest =
    reference.kind === 'digest'
      ? reference.digest
      : `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const actor = auditActor(principal).actor;
  refuseUnlessAllowed(await ctx.gate.checkPush(repository, digest, body, actor));
}

/**
 * After a push: a referrer of an image makes that image's decisions stale. Never rejects (the
 * push is done); a failure is logged, and the stale decision then lasts until its scan changes or
 * it expires.
 */
export async function afterPush(
  ctx: RegistryContext,
  repository: string,
  reference: ManifestReferenceInPath,
  subject: string | undefined,
  log: (error: unknown) => void,
): Promise<void> {
  const referred =
    subject ?? (reference.kind === 'tag' ? cosignTagSubject(reference.tag) : undefined);
  if (referred === undefined || ctx.gate?.referrerPushed === undefined) return;
  await ctx.gate.referrerPushed(repository, referred).catch(log);
}

function refuseUnlessAllowed(answer: GateAnswer): void {
  if (answer.allowed) return;
  const detail = refusalDetail(answer);
  throw new DistributionError('DENIED', answer.message, detail !== undefined ? { detail } : {});
}
