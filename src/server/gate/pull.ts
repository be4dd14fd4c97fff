/**
 * Pull decisions. An image manifest is decided by its project's policy once its scan is done; an
 * index by its platform images (the first refused one refuses the index, so a client learns why at
 * its first request); referrers and artefacts pass. Before the scan is done, `onPending` decides:
 * - `wait` (default): the scan is requested (again, when it failed) and run at once on this
 *   process if it is only queued; the pull waits up to the pending timeout, then is decided — or
 *   refused with the scan's state, never passed silently; the next pull starts over;
 * - `deny`: refused until the scan is done (the scan is requested);
 * - `allow`: passed, and the pass is audited.
 */
import type { AuditRecorder } from '../../auth/model.js';
import { isMoatError } from '../../errors.js';
import type { CompiledPolicy, Decision } from '../../policy/types.js';
import type { MetadataStore } from '../../store/types.js';
import type { DecideStoredOptions, GateAnswer, ScanRecord, ScanService } from '../gate-types.js';
import { answerOf, refusal } from './answers.js';
import { gatherEvidence, scanUnavailable, type DecideSources } from './decide.js';
import { auditDecision, type GatedImage, type StoredDecisions } from './decisions.js';
import { manifestKind } from './manifest-kind.js';
import { projectOf } from './project.js';

/** Platform images of one index decided at most (more refuse the index). */
const maxIndexChildren = 64;
/** How often a waiting pull looks whether the scan's results are stored. */
const resultPollMs = 50;

/** Pulls through the gate. */
export class PullGate {
  constructor(
    private readonly options: {
      meta: MetadataStore;
      scans: ScanService;
      audit: AuditRecorder;
      decisions: StoredDecisions;
      sources: DecideSources;
      pendingTimeoutMs(policy: CompiledPolicy): number;
    },
  ) {}

  /** The image manifest `repository@digest`, or undefined for anything that is not gated. */
  async imageOf(repository: string, digest: string): Promise<GatedImage | undefined> {
    const record = await this.options.meta.getManifest(repository, digest);
    if (record === undefined) return undefined;
    const kind = manifestKind(record.mediaType, record.content);
    return kind.kind === 'image'
      ? { repository, digest, configDigest: kind.config.digest }
      : undefined;
  }

  /** May `repository@digest` be pulled under `policy`? */
  async check(
    repository: string,
    digest: string,
    policy: CompiledPolicy,
    actor: string,
  ): Promise<GateAnswer> {
    const record = await this.options.meta.getManifest(repository, digest);
    if (record === undefined) return { allowed: true, reason: 'no such manifest' };
    const kind = manifestKind(record.mediaType, record.content);
    if (kind.kind === 'image') {
      const image = { repository, digest, configDigest: kind.config.digest };
      return this.checkImageSafely(image, policy, actor);
    }
    if (kind.kind !== 'index')
      return { allowed: true, reason: `${kind.kind} manifests are not gated` };
    if (kind.children.length > maxIndexChildren) {
      return refusal(
        `the index names ${kind.children.length} platform images; the gate decides at most ${maxIndexChildren}`,
      );
    }
    for (const child of kind.children) {
      const image = await this.imageOf(repository, child);
      if (image === undefined) continue;
      const answer = await this.checkImageSafely(image, policy, actor);
      if (!answer.allowed) {
        return { ...answer, message: `platform image ${child}: ${answer.message}` };
      }
    }
    return { allowed: true };
  }

  /**
   * {@link checkImage}, failing closed: an image whose decision cannot be made (an unreadable
   * config, a policy that errs) is refused with the reason; a store that is down stays the
   * store's error (503).
   */
  private async checkImageSafely(
    image: GatedImage,
    policy: CompiledPolicy,
    actor: string,
  ): Promise<GateAnswer> {
    try {
      return await this.checkImage(image, policy, actor);
    } catch (error) {
      if (!isMoatError(error) || error.code.startsWith('STORE_') || error.code === 'INTERNAL') {
        throw error;
      }
      auditDecision(this.options.audit, {
        repository: image.repository,
        digest: image.digest,
        trigger: 'pull',
        requestedBy: actor,
        error: error.message,
      });
      return refusal(`the policy could not be evaluated for ${image.digest}: ${error.message}`);
    }
  }

  private async checkImage(
    image: GatedImage,
    policy: CompiledPolicy,
    actor: string,
  ): Promise<GateAnswer> {
    const { scans, decisions, audit } = this.options;
    const project = projectOf(image.repository);
    const why = { trigger: 'pull' as const, requestedBy: actor };
    let scan = await scans.get(image.digest);
    if (scan?.state === 'not_applicable')
      return { allowed: true, reason: 'not scanned: not an image' };
    if (scan?.state === 'done') {
      return answerOf(await decisions.current(project, image, scan, policy, why), 'pull');
    }
    if (scan === undefined || scan.state === 'failed') {
      scan = await scans.request(image.repository, image.digest);
    }
    const action = policy.document.spec.onPending ?? 'wait';
    if (action === 'wait') {
      const timeoutMs = this.options.pendingTimeoutMs(policy);
      const waited = scan.state;
      // The config and signatures do not depend on the scan: gathered while it runs.
      const evidence = gatherEvidence(this.options.sources, image, policy);
      evidence.catch(() => undefined); // a failure surfaces when the decision awaits it
      scan = (await this.waitForResults(image, timeoutMs)) ?? scan;
      if (scan.state === 'done') {
        const cause = { ...why, waited, evidence };
        return answerOf(await decisions.current(project, image, scan, policy, cause), 'pull');
      }
      if (scan.state === 'not_applicable')
        return { allowed: true, reason: 'not scanned: not an image' };
    }
    const allowed = action === 'allow';
    auditDecision(audit, {
      repository: image.repository,
      digest: image.digest,
      trigger: 'pull',
      requestedBy: actor,
      pending: { state: scan.state, action, allowed },
    });
    if (allowed) return { allowed: true, reason: `scan ${scan.state}; onPending: allow` };
    return refusal(pendingMessage(image, scan, action, this.options.pendingTimeoutMs(policy)));
  }

  /**
   * `ScanService.waitFor`, answered as soon as the results are stored: the scan's signed SBOM
   * and report referrers are attached after that, and a pull need not wait for them.
   */
  private async waitForResults(
    image: GatedImage,
    timeoutMs: number,
  ): Promise<ScanRecord | undefined> {
    const { scans } = this.options;
    let settled = false;
    const waiting = scans.waitFor(image.repository, image.digest, timeoutMs).finally(() => {
      settled = true;
    });
    const stored = (async (): Promise<ScanRecord | undefined> => {
      while (!settled) {
        await new Promise((resolve) => setTimeout(resolve, resultPollMs));
        const record = await scans.get(image.digest);
        if (record?.state === 'done' || record?.state === 'not_applicable') return record;
      }
      return waiting;
    })();
    return Promise.race([waiting, stored]);
  }

  /**
   * Decides a stored image (or index) under any policy, without storing the decision (the
   * admission webhook's path): the scan is requested and run at once when there is none yet.
   * Audited unless `options.audit` is false.
   */
  async decideStored(
    repository: string,
    digest: string,
    policy: CompiledPolicy,
    options: DecideStoredOptions = {},
  ): Promise<Decision> {
    const record = await this.options.meta.getManifest(repository, digest);
    if (record === undefined)
      throw scanUnavailable(repository, digest, 'missing', 'no such manifest');
    const kind = manifestKind(record.mediaType, record.content);
    if (kind.kind === 'image') {
      const image = { repository, digest, configDigest: kind.config.digest };
      return this.decideImage(image, policy, options);
    }
    if (kind.kind !== 'index') {
      // Not an image: nothing to hold against it.
      return {
        policy: policy.name,
        policyHash: policy.hash,
        reference: `${repository}@${digest}`,
        digest,
        allowed: true,
        results: [],
        evaluatedAt: new Date().toISOString(),
      };
    }
    const children = kind.children.slice(0, maxIndexChildren);
    const decided: Decision[] = [];
    for (const child of children) {
      const image = await this.imageOf(repository, child);
      if (image !== undefined) decided.push(await this.decideImage(image, policy, options));
    }
    return {
      policy: policy.name,
      policyHash: policy.hash,
      reference: `${repository}@${digest}`,
      digest,
      allowed: decided.every((decision) => decision.allowed),
      results: decided.flatMap((decision) =>
        decision.results.map((result) => ({
          ...result,
          message: `${decision.digest}: ${result.message}`,
        })),
      ),
      evaluatedAt: new Date().toISOString(),
    };
  }

  private async decideImage(
    image: GatedImage,
    policy: CompiledPolicy,
    options: DecideStoredOptions,
  ): Promise<Decision> {
    const { scans, decisions } = this.options;
    let scan: ScanRecord | undefined = await scans.get(image.digest);
    if (scan === undefined || scan.state === 'failed')
      scan = await scans.request(image.repository, image.digest);
    if (scan.state !== 'done') {
      const timeoutMs = this.options.pendingTimeoutMs(policy);
      scan = (await this.waitForResults(image, timeoutMs)) ?? scan;
    }
    if (scan.state !== 'done')
      throw scanUnavailable(image.repository, image.digest, scan.state, scan.error);
    return decisions.evaluateOnly(image, policy, options);
  }
}

function pendingMessage(
  image: GatedImage,
  scan: ScanRecord,
  action: string,
  timeoutMs: number,
): string {
  const name = `${image.repository}@${image.digest}`;
  if (scan.state === 'failed') {
    const why = scan.error !== undefined ? `: ${scan.error}` : '';
    return `the scan of ${name} failed${why}; the next pull requests it again`;
  }
  if (action === 'deny') {
    return `the scan of ${name} is ${scan.state} and the policy refuses pulls until it is done (onPending: deny); retry later`;
  }
  return `the scan of ${name} is still ${scan.state} after ${Math.round(timeoutMs / 1000)} s (onPending: wait); it goes on: retry later`;
}
