/**
 * One decision about an image stored in this registry: the policy input is built from the stored
 * scan (inventory and findings, never re-read from the layers), the image config blob read from
 * the blob store within a bound, and the signatures and attestations verified through the
 * registry's own `/v2` reached in-process (`InternalRegistry.access`), exactly as `moat verify`
 * would read them from outside.
 */
import {
  buildPolicyInput,
  evaluatePolicy,
  gatherSignatures,
  registrySignatureSource,
} from '../../policy/index.js';
import type { CompiledPolicy, Decision, PolicyInput } from '../../policy/types.js';
import type { Inventory } from '../../catalog/types.js';
import { parseImageConfig } from '../../image/manifest.js';
import type { ImageConfig } from '../../image/types.js';
import { PolicyError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import { defaultLimits } from '../../util/limits.js';
import { readAll } from '../../util/streams.js';
import type { InternalRegistry, StoredScan } from '../gate-types.js';

/** Largest image config read: the scanner's bound, so that a config it scanned is read here. */
const maxConfigBytes = defaultLimits.maxJsonBytes;

/** What a decision reads. */
export interface DecideSources {
  blobs: BlobStore;
  internal: InternalRegistry;
  /** The host clients reach the registry at (`registry.example.com`, `127.0.0.1:5000`). */
  registryHost(): string;
}

/** The reference an image of this registry has in decisions (`host/repo@digest`). */
export function imageReference(sources: DecideSources, repository: string, digest: string): string {
  return `${sources.registryHost()}/${repository}@${digest}`;
}

/** The repository part of a reference made by {@link imageReference}. */
export function repositoryOfReference(reference: string): string | undefined {
  const slash = reference.indexOf('/');
  const at = reference.lastIndexOf('@');
  return slash > 0 && at > slash ? reference.slice(slash + 1, at) : undefined;
}

/** Reads and parses the image config blob `digest`. */
export async function readImageConfig(blobs: BlobStore, digest: string): Promise<ImageConfig> {
  const bytes = await readAll(await blobs.open(digest), maxConfigBytes, `config ${digest}`);
  return parseImageConfig(bytes, `config ${digest}`, maxConfigBytes);
}

/** What a decision reads besides the scan: the config and the verified signatures. */
export interface Evidence {
  config: ImageConfig;
  gathered: Awaited<ReturnType<typeof gatherSignatures>>;
}

/**
 * Reads the config and verifies the signatures and attestations `policy` asks for. Independent
 * of the scan, so a pull that waits for the scan gathers them meanwhile.
 */
export async function gatherEvidence(
  sources: DecideSources,
  image: { repository: string; digest: string; configDigest: string },
  policy: CompiledPolicy,
): Promise<Evidence> {
  const internalReference = `${sources.internal.host}/${image.repository}@${image.digest}`;
  const [config, gathered] = await Promise.all([
    readImageConfig(sources.blobs, image.configDigest),
    gatherSignatures(policy, registrySignatureSource(internalReference, sources.internal.access)),
  ]);
  return { config, gathered };
}

/**
 * Evaluates `policy` over a stored image with a finished scan.
 * @example const decision = await decideImage(sources, image, scan, policy, await gatherEvidence(sources, image, policy));
 */
export async function decideImage(
  sources: DecideSources,
  image: { repository: string; digest: string; configDigest: string },
  scan: StoredScan,
  policy: CompiledPolicy,
  evidence: Evidence,
): Promise<Decision> {
  const reference = imageReference(sources, image.repository, image.digest);
  const base = buildPolicyInput({
    reference,
    digest: image.digest,
    config: evidence.config,
    inventory: scan.inventory,
    findings: scan.findings,
  });
  const { signatures, attestations, errors } = evidence.gathered;
  const input: PolicyInput = { ...base, signatures, attestations };
  return evaluatePolicy(policy, input, { errors });
}

/**
 * The checks a push can be judged on: the manifest and its config are all there is before the
 * scan runs and before any signature can exist (a signature names the pushed digest).
 */
export const pushJudgedChecks: ReadonlySet<string> = new Set([
  'allowedRegistries',
  'nonRoot',
  'requiredLabels',
  'maxAge',
]);

/**
 * Evaluates the push-judged rules of `policy` over a manifest being pushed: the input carries the
 * config only (no packages, no vulnerabilities, no signatures), and the results of every other
 * rule are dropped — they are decided when the image is pulled, after its scan.
 */
export async function decidePush(
  sources: DecideSources,
  image: { repository: string; digest: string; configDigest: string },
  policy: CompiledPolicy,
): Promise<Decision> {
  const reference = imageReference(sources, image.repository, image.digest);
  const config = await readImageConfig(sources.blobs, image.configDigest);
  const base = buildPolicyInput({
    reference,
    digest: image.digest,
    config,
    inventory: emptyInventory(reference, image),
    findings: [],
  });
  const decision = await evaluatePolicy(policy, { ...base, signatures: [], attestations: [] });
  const results = decision.results.filter((result) => pushJudgedChecks.has(result.check));
  const allowed = results.every((result) => result.action !== 'deny' || result.outcome === 'pass');
  return { ...decision, results, allowed };
}

function emptyInventory(
  reference: string,
  image: { repository: string; digest: string; configDigest: string },
): Inventory {
  return {
    target: reference,
    artifact: {
      kind: 'container_image',
      name: image.repository,
      transport: 'registry',
      manifestDigest: image.digest,
      configDigest: image.configDigest,
      repoTags: [],
      layers: [],
      labels: {},
    },
    packages: [],
    warnings: [],
    createdAt: new Date().toISOString(),
  };
}

/** Why no decision can be made yet: the scan is not done. */
export function scanUnavailable(
  repository: string,
  digest: string,
  state: string,
  error?: string,
): PolicyError {
  const why = error !== undefined ? `: ${error}` : '';
  return new PolicyError(
    'POLICY_EVALUATION',
    `no decision for ${repository}@${digest}: its scan is ${state}${why}`,
  );
}
