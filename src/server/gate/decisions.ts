/**
 * The decisions a project's policy made, stored in `gate_decisions` per (project, digest) with the
 * policy hash: a stored decision is reused while the policy hash is the same, it is newer than the
 * scan it read, and it is younger than {@link decisionTtlMs} (time-dependent rules — `maxAge`,
 * certificate validity — are re-checked that often). Concurrent pulls of one image share one
 * evaluation. Every decision made is audited (`gate.decision`, actor `system`: Moat decided;
 * who asked is in the details).
 */
import type { AuditRecorder } from '../../auth/model.js';
import type { CompiledPolicy, Decision } from '../../policy/types.js';
import { selectDecision, upsertDecision } from '../../store/gate/decisions.js';
import type { StoreDatabase } from '../../store/metadata/database.js';
import type { DecideStoredOptions, ScanRecord, ScanService } from '../gate-types.js';
import { failingRules } from './answers.js';
import {
  decideImage,
  gatherEvidence,
  scanUnavailable,
  type DecideSources,
  type Evidence,
} from './decide.js';

/** A stored decision older than this is made again. */
const decisionTtlMs = 10 * 60_000;

/** Why a decision was made. */
export type DecisionTrigger = 'pull' | 'push' | 'rescan' | 'signature' | 'admission';

/** Why a decision is made, for its audit entry. */
export interface DecisionCause {
  trigger: DecisionTrigger;
  requestedBy: string;
  /** The scan's state when the pull that waited for it came. */
  waited?: string;
  /** The config and signatures, already being gathered (while the pull waited for the scan). */
  evidence?: Promise<Evidence>;
}

/** An image manifest to decide. */
export interface GatedImage {
  repository: string;
  digest: string;
  configDigest: string;
}

/** The audit entry of one decision (or of a pull answered without one). */
export function auditDecision(
  audit: AuditRecorder,
  entry: {
    repository: string;
    digest: string;
    trigger: DecisionTrigger;
    requestedBy: string;
    decision?: Decision;
    /** When there is no decision: the pending scan's state and what `onPending` did. */
    pending?: { state: string; action: string; allowed: boolean };
    /** The scan's state when a pull came that waited for it (`onPending: wait`). */
    waited?: string;
    /** Why no decision could be made (the pull was refused). */
    error?: string;
  },
): void {
  const { decision, pending } = entry;
  const allowed = decision?.allowed ?? pending?.allowed ?? false;
  const failed = decision ? failingRules(decision).map((result) => result.rule) : [];
  audit.record({
    actor: 'system',
    actorKind: 'system',
    clientIp: '',
    action: 'gate.decision',
    target: `${entry.repository}@${entry.digest}`,
    outcome: allowed ? 'success' : 'denied',
    details: {
      trigger: entry.trigger,
      requestedBy: entry.requestedBy,
      ...(decision ? { policy: decision.policy, policyHash: decision.policyHash } : {}),
      ...(failed.length > 0 ? { failed: failed.slice(0, 32).join(',').slice(0, 500) } : {}),
      ...(pending ? { scan: pending.state, onPending: pending.action } : {}),
      ...(entry.waited !== undefined ? { waitedFor: entry.waited } : {}),
      ...(entry.error !== undefined ? { error: entry.error.slice(0, 500) } : {}),
    },
  });
}

/** Stored decisions of project policies. */
export class StoredDecisions {
  private readonly inFlight = new Map<string, Promise<Decision>>();

  constructor(
    private readonly options: {
      database: StoreDatabase;
      audit: AuditRecorder;
      scans: ScanService;
      sources: DecideSources;
    },
  ) {}

  /**
   * The decision of `project`'s `policy` about an image whose scan is done: the stored one while
   * it holds, else a new one (stored and audited).
   */
  async current(
    project: string,
    image: GatedImage,
    scan: ScanRecord,
    policy: CompiledPolicy,
    why: DecisionCause,
  ): Promise<Decision> {
    const stored = await selectDecision(this.options.database, project, image.digest);
    const scannedAt = scan.scannedAt !== undefined ? Date.parse(scan.scannedAt) : 0;
    if (
      stored !== undefined &&
      stored.policyHash === policy.hash &&
      stored.evaluatedAt >= scannedAt &&
      Date.now() - stored.evaluatedAt < decisionTtlMs
    ) {
      return JSON.parse(stored.decision) as Decision;
    }
    return this.make(project, image, policy, why);
  }

  /** Makes, stores and audits a new decision (one evaluation at a time per project and digest). */
  make(
    project: string,
    image: GatedImage,
    policy: CompiledPolicy,
    why: DecisionCause,
  ): Promise<Decision> {
    const key = `${project}\n${image.digest}\n${policy.hash}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const made = this.evaluate(project, image, policy, why).finally(() => {
      this.inFlight.delete(key);
    });
    this.inFlight.set(key, made);
    return made;
  }

  /**
   * Decides an image under any policy without storing the decision (the admission webhook's
   * path: the policy is not a project's); audited all the same, unless `options.audit` is false
   * (a dry-run review).
   */
  async evaluateOnly(
    image: GatedImage,
    policy: CompiledPolicy,
    options: DecideStoredOptions = {},
  ): Promise<Decision> {
    const decision = await this.decide(image, policy, undefined);
    if (options.audit === false) return decision;
    auditDecision(this.options.audit, {
      repository: image.repository,
      digest: image.digest,
      trigger: 'admission',
      requestedBy: 'admission',
      decision,
    });
    return decision;
  }

  private async decide(
    image: GatedImage,
    policy: CompiledPolicy,
    evidence: Promise<Evidence> | undefined,
  ): Promise<Decision> {
    const { scans, sources } = this.options;
    const gathering = evidence ?? gatherEvidence(sources, image, policy);
    const [scan, gathered] = await Promise.all([scans.result(image.digest), gathering]);
    if (scan === undefined) {
      const record = await scans.get(image.digest);
      throw scanUnavailable(
        image.repository,
        image.digest,
        record?.state ?? 'missing',
        record?.error,
      );
    }
    return decideImage(sources, image, scan, policy, gathered);
  }

  private async evaluate(
    project: string,
    image: GatedImage,
    policy: CompiledPolicy,
    why: DecisionCause,
  ): Promise<Decision> {
    const decision = await this.decide(image, policy, why.evidence);
    await upsertDecision(this.options.database, {
      project,
      digest: image.digest,
      policyHash: policy.hash,
      allowed: decision.allowed,
      decision: JSON.stringify(decision),
      evaluatedAt: Date.parse(decision.evaluatedAt) || Date.now(),
    });
    auditDecision(this.options.audit, {
      repository: image.repository,
      digest: image.digest,
      trigger: why.trigger,
      requestedBy: why.requestedBy,
      ...(why.waited !== undefined ? { waited: why.waited } : {}),
      decision,
    });
    return decision;
  }
}
