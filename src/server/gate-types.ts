/**
 * The seams between the parts of the compliance gate inside `moat serve` (and `moat worker`):
 * - `ScanService` (jobs/): scan on push, stored results, rescans after a database change;
 * - `GateService` (server/gate/): project policies, pull and push decisions, audit;
 * - `InternalRegistry` (server/internal-registry.ts): the registry's own `/v2` reached
 *   in-process, for signature verification and for attaching signed referrers;
 * - `ProxyService` (server/proxy/): proxy projects, pull-through from an upstream registry.
 * The routes (`/v2`, `/api/v1`, `/admission`) see only these interfaces.
 */
import type { Principal } from '../auth/model.js';
import type { Inventory } from '../catalog/types.js';
import type { IgnoredFinding } from '../filter/index.js';
import type { EolStatus, Finding, Severity } from '../match/index.js';
import type { CompiledPolicy, Decision, PolicyDocument } from '../policy/types.js';
import type { RegistryAccess } from '../sign/oci/index.js';
import type { ScanState } from '../store/metadata/schema-gate.js';

/** One manifest's scan as stored (without the large documents). */
export interface ScanRecord {
  digest: string;
  /** A repository holding the manifest. */
  repository: string;
  state: ScanState;
  attempts: number;
  /** One line, when `failed` (or why it is `not_applicable`). */
  error?: string;
  /** Counts by severity, once done. */
  summary?: Record<Severity, number>;
  /** The vulnerability database the findings were matched against. */
  dbVersion?: string;
  /** ISO 8601. */
  scannedAt?: string;
  /** Digests of the signed SBOM and vulnerability-report referrers, once attached. */
  sbomReferrer?: string;
  reportReferrer?: string;
}

/** A finished scan with its documents. */
export interface StoredScan extends ScanRecord {
  inventory: Inventory;
  findings: Finding[];
  ignored: IgnoredFinding[];
  warnings: string[];
  eol?: EolStatus;
}

/** Scans of stored manifests. */
export interface ScanService {
  /** Records a scan as pending and queues it unless one is pending, running or done. */
  request(repository: string, digest: string): Promise<ScanRecord>;
  get(digest: string): Promise<ScanRecord | undefined>;
  /** The documents of a done scan; undefined otherwise. */
  result(digest: string): Promise<StoredScan | undefined>;
  /**
   * Waits until the scan is no longer pending or running, up to `timeoutMs`; a scan still only
   * queued is run at once on this process (never a silent wait on a busy queue). Resolves with
   * the record as it then is.
   */
  waitFor(repository: string, digest: string, timeoutMs: number): Promise<ScanRecord | undefined>;
  /** Called after a decision-relevant change (a scan finished, a rescan): listeners re-decide. */
  onChange(listener: (digest: string) => void): () => void;
}

/** A gate's answer to a pull or a push. */
export type GateAnswer =
  | { allowed: true; decision?: Decision; reason?: string }
  | { allowed: false; code: 'DENIED'; message: string; decision?: Decision };

/** Registry enforcement: project policies and the decisions made with them. */
/** Options of {@link GateService.decideStored}. */
export interface DecideStoredOptions {
  /** Write the `gate.decision` audit entry (default true). */
  audit?: boolean;
}

export interface GateService {
  /** The project's policy, or undefined when it carries none. */
  policyOf(project: string): Promise<CompiledPolicy | undefined>;
  /** Stores the project's policy (validated and compiled first; `POLICY_INVALID` otherwise). */
  setPolicy(project: string, document: PolicyDocument, actor: string): Promise<CompiledPolicy>;
  deletePolicy(project: string, actor: string): Promise<boolean>;
  /** May `repository@digest` be pulled? Image manifests only; artefacts and referrers pass. */
  checkPull(repository: string, digest: string, actor: string): Promise<GateAnswer>;
  /** May this manifest be pushed (policy `onPush`)? */
  checkPush(
    repository: string,
    digest: string,
    manifest: Buffer,
    actor: string,
  ): Promise<GateAnswer>;
  /**
   * Decides an image stored in this registry under `policy` (the admission webhook's path for
   * Moat's own images): scans at once when there is no scan yet. The decision is audited unless
   * `options.audit` is false (a dry-run AdmissionReview, which must have no side effects).
   */
  decideStored(
    repository: string,
    digest: string,
    policy: CompiledPolicy,
    options?: DecideStoredOptions,
  ): Promise<Decision>;
  /**
   * A referrer of `subject` (a signature, an attestation; by `subject` or by cosign's
   * `sha256-….sig` tag) was pushed to `repository`: the stored decisions about `subject` in its
   * project are stale and re-made.
   */
  referrerPushed?(repository: string, subject: string): Promise<void>;
  /**
   * True when `principal`'s pulls of `repository` are not gated: it may push there (it signs,
   * attests and replaces what it publishes, and could push anything anyway).
   */
  exempt?(principal: Principal, repository: string): Promise<boolean>;
}

/** The registry's own `/v2`, reached in-process with full access (never exposed to clients). */
export interface InternalRegistry {
  /** The registry host that names this registry in references (`moat.internal`). */
  readonly host: string;
  /** What `verifyImage`, `attestImage` and the registry client need to reach it. */
  readonly access: RegistryAccess;
  close(): Promise<void>;
}

/** Proxy projects: pull-through caches of an upstream registry. */
export interface ProxyService {
  /** True when the repository's project is a proxy project. */
  isProxied(repository: string): Promise<boolean>;
  /**
   * Makes `repository:reference` (a tag or a digest) present locally: a digest already stored is
   * served as is; otherwise the manifest and every blob it needs are fetched from upstream,
   * verified against their digests, stored, and a scan is requested. A tag is re-resolved
   * upstream (falling back to the stored tag when upstream is down). Throws `PolicyError`
   * `UPSTREAM_UNAVAILABLE` / `UPSTREAM_INVALID` (nothing stored) otherwise.
   */
  pullThrough(repository: string, reference: string): Promise<{ digest: string }>;
  /**
   * Makes a blob the proxy repository does not hold present (fetched from upstream, verified
   * against `digest`): for clients that fetch a blob without its manifest first. Same errors.
   */
  pullBlob?(repository: string, digest: string): Promise<void>;
}
