/**
 * The registry's gate (`GateService`): the policy each project carries, and the decisions it makes
 * about pulls and pushes of image manifests. A pull of an image whose scan is done is decided by
 * the stored decision (or a new one); a pull before the scan is done follows the policy's
 * `onPending` — `wait` (default) asks the scan service to run the scan at once and waits up to
 * `spec.pendingTimeout` or `gate.pendingTimeout`, `deny` refuses until it is done, `allow` passes
 * (audited). A failed scan is requested again by the next pull: a refusal is never permanent.
 * Decisions are re-made when a scan finishes or is re-matched (`ScanService.onChange`) and when a
 * signature or attestation of the image is pushed.
 */
import type { AuditRecorder, Principal } from '../../auth/model.js';
import type { Authorizer } from '../../auth/services.js';
import { compilePolicy } from '../../policy/index.js';
import type { CompiledPolicy, Decision, PolicyDocument } from '../../policy/types.js';
import { parseDuration } from '../config-values.js';
import {
  deleteDecisions,
  selectDecision,
  selectDecisionProjects,
} from '../../store/gate/decisions.js';
import { deletePolicy, selectPolicy, upsertPolicy } from '../../store/gate/policies.js';
import type { StoreDatabase } from '../../store/metadata/database.js';
import type { BlobStore, MetadataStore } from '../../store/types.js';
import type { GateAnswer, GateService, InternalRegistry, ScanService } from '../gate-types.js';
import { answerOf } from './answers.js';
import { decidePush, repositoryOfReference, type DecideSources } from './decide.js';
import { auditDecision, StoredDecisions } from './decisions.js';
import { manifestKind } from './manifest-kind.js';
import { projectOf } from './project.js';
import { PullGate } from './pull.js';

/** Compiled policies kept; past it the cache starts over (policies compile in milliseconds). */
const maxCompiledPolicies = 1024;

/** What {@link openGateService} needs. */
export interface GateServiceOptions {
  database: StoreDatabase;
  meta: MetadataStore;
  blobs: BlobStore;
  scans: ScanService;
  internal: InternalRegistry;
  audit: AuditRecorder;
  config: { pendingTimeoutMs: number };
  /** The host clients reach the registry at, for `image.registry` (`allowedRegistries`). */
  registryHost(): string;
  /** Who may push where: principals that may push to a repository are not gated on it. */
  authorizer?: Pick<Authorizer, 'can'>;
  /** A re-decision that failed in the background (logged, never thrown). */
  onError?(error: unknown, what: string): void;
}

/** The gate, with what `moat serve` needs to stop it. */
export interface OpenGateService extends GateService {
  referrerPushed(repository: string, subject: string): Promise<void>;
  exempt(principal: Principal, repository: string): Promise<boolean>;
  /** Stops listening to scan changes. */
  close(): void;
}

/**
 * Opens the gate over the stores and the scan service.
 * @example
 * const gate = openGateService({ database, meta, blobs, scans, internal, audit,
 *   config: config.gate, registryHost: () => 'registry.example.com' });
 * context.gate = gate;
 */
export function openGateService(options: GateServiceOptions): OpenGateService {
  const { database, meta, scans, audit } = options;
  const sources: DecideSources = {
    blobs: options.blobs,
    internal: options.internal,
    registryHost: () => options.registryHost(),
  };
  const decisions = new StoredDecisions({ database, audit, scans, sources });
  /** Compiled policies by hash: every project's current one, and a few older ones. */
  const compiled = new Map<string, CompiledPolicy>();
  const remember = (hash: string, policy: CompiledPolicy): void => {
    if (compiled.size >= maxCompiledPolicies) compiled.clear();
    compiled.set(hash, policy);
  };

  const policyOf = async (project: string): Promise<CompiledPolicy | undefined> => {
    const row = await selectPolicy(database, project);
    if (row === undefined) return undefined;
    const known = compiled.get(row.hash);
    if (known) return known;
    const policy = await compilePolicy(JSON.parse(row.document), `policy of project ${project}`, {
      allowFiles: false,
    });
    remember(row.hash, policy);
    return policy;
  };
  const pendingTimeoutMs = (policy: CompiledPolicy): number => {
    const text = policy.document.spec.pendingTimeout;
    return (
      (text !== undefined ? parseDuration(text) : undefined) ?? options.config.pendingTimeoutMs
    );
  };
  const pulls = new PullGate({ meta, scans, audit, decisions, sources, pendingTimeoutMs });

  /**
   * Re-makes every stored decision about `digest` (its scan changed). Every process hears of the
   * change (with Redis, by broadcast); a decision another process already re-made after the
   * change was heard is left as it is.
   */
  const remake = async (digest: string, trigger: 'rescan'): Promise<void> => {
    const heard = Date.now();
    for (const project of await selectDecisionProjects(database, digest)) {
      const policy = await policyOf(project);
      if (policy === undefined) {
        await deleteDecisions(database, { project });
        continue;
      }
      const row = await selectDecision(database, project, digest);
      if (row === undefined || row.evaluatedAt >= heard) continue;
      const reference = (JSON.parse(row.decision) as Decision).reference;
      const repository = repositoryOfReference(reference);
      if (repository === undefined || projectOf(repository) !== project) continue;
      const image = await pulls.imageOf(repository, digest);
      if (image === undefined) continue;
      await decisions.make(project, image, policy, { trigger, requestedBy: 'system' });
    }
  };
  const unsubscribe = scans.onChange((digest) => {
    remake(digest, 'rescan').catch((error: unknown) =>
      options.onError?.(error, `re-deciding ${digest}`),
    );
  });

  return {
    policyOf,
    async setPolicy(project, document: PolicyDocument, actor) {
      const policy = await compilePolicy(document, `policy of project ${project}`, {
        allowFiles: false,
      });
      await upsertPolicy(database, {
        project,
        document: JSON.stringify(policy.document),
        hash: policy.hash,
        now: Date.now(),
        actor,
      });
      remember(policy.hash, policy);
      await deleteDecisions(database, { project });
      return policy;
    },
    async deletePolicy(project) {
      const removed = await deletePolicy(database, project);
      await deleteDecisions(database, { project });
      return removed;
    },
    async checkPull(repository, digest, actor) {
      const policy = await policyOf(projectOf(repository));
      if (policy === undefined) return { allowed: true };
      return pulls.check(repository, digest, policy, actor);
    },
    async checkPush(repository, digest, manifest, actor): Promise<GateAnswer> {
      const policy = await policyOf(projectOf(repository));
      if (policy?.document.spec.onPush !== 'deny') return { allowed: true };
      const kind = manifestKind(undefined, manifest);
      // Referrers, artefacts and indexes (whose platform images were judged when pushed) pass.
      if (kind.kind !== 'image')
        return { allowed: true, reason: `${kind.kind} manifests are not gated` };
      const image = { repository, digest, configDigest: kind.config.digest };
      const decision = await decidePush(sources, image, policy);
      auditDecision(audit, { repository, digest, trigger: 'push', requestedBy: actor, decision });
      return answerOf(decision, 'push');
    },
    async decideStored(repository, digest, policy, options): Promise<Decision> {
      return pulls.decideStored(repository, digest, policy, options);
    },
    async referrerPushed(repository, subject) {
      // The stale decision goes at once (the next pull re-decides); a new one is made behind.
      const project = projectOf(repository);
      const image = await pulls.imageOf(repository, subject);
      const removed = await deleteDecisions(database, { project, digest: subject });
      const policy = removed > 0 && image !== undefined ? await policyOf(project) : undefined;
      if (policy === undefined || image === undefined) return;
      decisions
        .make(project, image, policy, { trigger: 'signature', requestedBy: 'system' })
        .catch((error: unknown) => options.onError?.(error, `re-deciding ${subject}`));
    },
    async exempt(principal, repository) {
      if (options.authorizer === undefined || principal.kind === 'anonymous') return false;
      return options.authorizer.can(principal, projectOf(repository), 'push');
    },
    close: unsubscribe,
  };
}
