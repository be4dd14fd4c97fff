/**
 * The vocabulary of the compliance gate: the policy document (`moat.dev/v1`, kind `Policy`), what
 * a policy is evaluated over (`PolicyInput`, the CEL variables), and what it concludes
 * (`Decision`, one `RuleResult` per rule). The same types serve `moat policy check`, the
 * registry's pull and push gate and the Kubernetes admission webhook.
 */
import type { ImageConfig } from '../image/types.js';
import type { FindingStatus, Severity } from '../match/types.js';
import type { VerificationPolicy, VerifiedSignature } from '../sign/types.js';

/** What a failing rule does: `deny` refuses, `warn` only reports. */
export type EnforcementAction = 'deny' | 'warn';

/** What a pull of a manifest whose scan has not finished does (registry enforcement). */
export type PendingAction = 'wait' | 'deny' | 'allow';

/** A keyless signer: cosign's `--certificate-identity[-regexp]` and `--certificate-oidc-issuer[-regexp]`. */
export interface KeylessIdentity {
  subject?: string;
  subjectRegExp?: string;
  issuer?: string;
  issuerRegExp?: string;
}

/** `requireSignatures`: who must have signed, how many times, and which attestations. */
export interface SignatureRequirement {
  /**
   * Public keys: PEM text, or a file path (relative to the policy file; refused in a policy stored
   * on the server, which has no files).
   */
  keys?: string[];
  /** Keyless signers; any one matching is enough for one signature. */
  keyless?: KeylessIdentity[];
  /** The Sigstore `trusted_root.json` for keyless (PEM-less JSON text or a file path, as keys). */
  trustedRoot?: string;
  /** Verified signatures needed (default 1). */
  minimum?: number;
  /** Attestations needed: cosign `--type` names or predicate type URIs, each verified the same way. */
  attestations?: Array<{ type: string; minimum?: number }>;
}

/** One forbidden package: by name (and ecosystem type), optionally only some versions. */
export interface ForbiddenPackage {
  name: string;
  /** Package type as in the report (`deb`, `apk`, `rpm`, `npm`, `pypi`, …); any when absent. */
  type?: string;
  /** Versions (exact strings) refused; all when absent. */
  versions?: string[];
}

/** The built-in checks; a rule has exactly one of these or an `expression`. */
export interface RuleChecks {
  /** Deny a vulnerability above `severity` (with a fix only, when `ignoreUnfixed`). */
  maxSeverity?: { severity: Severity; ignoreUnfixed?: boolean };
  requireSignatures?: SignatureRequirement;
  /** Registry hosts (`host[:port]`, `*.example.com`) images may come from. */
  allowedRegistries?: string[];
  /** The image's user must not be root (empty, `root`, `0`, `0:…`). */
  nonRoot?: boolean;
  /** Labels that must be present; a map form also requires each value to match an RE2 pattern. */
  requiredLabels?: string[] | Record<string, string>;
  /** The image's `created` must be no older than this duration (`90d`, `12h`, `30m`). */
  maxAge?: string;
  forbiddenPackages?: ForbiddenPackage[];
  /** A CEL expression over {@link PolicyInput} that must evaluate to `true`. */
  expression?: string;
}

/** One rule of a policy. */
export interface PolicyRule extends RuleChecks {
  name: string;
  /** Shown when the rule fails (a default names the check otherwise). */
  message?: string;
  /** Default `deny`. */
  enforcementAction?: EnforcementAction;
}

/** A policy document as written (after validation). */
export interface PolicyDocument {
  apiVersion: 'moat.dev/v1';
  kind: 'Policy';
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    rules: PolicyRule[];
    /** Registry: a pull before the scan finished (default `wait`). */
    onPending?: PendingAction;
    /** Registry: how long a `wait` pull waits, a duration (default: `gate.pendingTimeout`). */
    pendingTimeout?: string;
    /** Registry: `deny` refuses a push of a non-compliant image manifest (default `allow`). */
    onPush?: 'allow' | 'deny';
  };
}

/** The kind of check a rule runs. */
export type CheckKind = keyof RuleChecks;

/**
 * A policy ready to evaluate: the document, CEL programs compiled, keys and trusted roots loaded.
 * Built by `loadPolicy`/`parsePolicy`; evaluating it does no file I/O.
 */
export interface CompiledPolicy {
  readonly document: PolicyDocument;
  /** The document's name. */
  readonly name: string;
  /** SHA-256 of the canonical JSON of the document: decisions are cached per (hash, digest). */
  readonly hash: string;
  /** The signature verifications the rules need, one per `requireSignatures` rule (by rule name). */
  readonly verifications: ReadonlyMap<string, VerificationPolicy>;
}

/** A package as the policy sees it (the CEL `scan.packages[]`). */
export interface PolicyPackage {
  name: string;
  version: string;
  type: string;
  purl: string;
  layerDigest?: string;
}

/** A vulnerability as the policy sees it (the CEL `scan.vulnerabilities[]`), after ignores and VEX. */
export interface PolicyVulnerability {
  id: string;
  aliases: string[];
  severity: Severity;
  status: FindingStatus;
  fixedVersions: string[];
  packageName: string;
  installedVersion: string;
  purl: string;
  /** Highest CVSS base score, 0 when none. */
  cvssScore: number;
}

/** What a policy is evaluated over; each top-level field is a CEL variable. */
export interface PolicyInput {
  image: {
    /** As given (`registry.example.com/team/app:1.0`), or the target string for local targets. */
    reference: string;
    /** Registry host (`docker.io` for Docker Hub names); empty for local targets. */
    registry: string;
    /** Repository path without registry (`team/app`). */
    repository: string;
    tag?: string;
    /** Manifest digest (`sha256:…`); empty when the target has none (a root filesystem). */
    digest: string;
    config: ImageConfig;
    labels: Record<string, string>;
    /** RFC 3339, when the config says. */
    created?: string;
    /** The config's `User` ('' when unset, which means root). */
    user: string;
  };
  scan: {
    packages: PolicyPackage[];
    vulnerabilities: PolicyVulnerability[];
    /** Counts by severity of `vulnerabilities`. */
    summary: Record<Severity, number>;
  };
  /** Verified image signatures only (of every `requireSignatures` rule's verification). */
  signatures: VerifiedSignature[];
  /** Verified attestations only. */
  attestations: VerifiedSignature[];
}

/** How one rule came out: `error` (a CEL type error, an unreadable signature store) counts as failing. */
export type RuleOutcome = 'pass' | 'fail' | 'error';

/** One rule's result. */
export interface RuleResult {
  rule: string;
  check: CheckKind;
  action: EnforcementAction;
  outcome: RuleOutcome;
  /** One line: the rule's message, and why it failed (`CVE-2023-1234 (CRITICAL, fixed in 1.2)`). */
  message: string;
}

/** What a policy concludes about one image. */
export interface Decision {
  policy: string;
  policyHash: string;
  reference: string;
  digest: string;
  /** False when any `deny` rule failed or errored. */
  allowed: boolean;
  /** Every rule, in document order. */
  results: RuleResult[];
  /** ISO 8601. */
  evaluatedAt: string;
}

/** Where the signatures of an image are read from: a registry over HTTP, or Moat's own stores. */
export interface SignatureSource {
  verifySignatures(policy: VerificationPolicy): Promise<VerifiedSignature[]>;
  verifyAttestations(policy: VerificationPolicy, type: string): Promise<VerifiedSignature[]>;
}
