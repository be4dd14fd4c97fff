/**
 * Verifying an image's signatures and attestations: everything stored for its digest in either
 * format (the legacy `.sig`/`.att` tag and the bundle referrers) is verified on its own, and each
 * either verifies — the signature checks out against the policy *and* its signed content names
 * this digest — or is rejected with a one-line reason. One bad signature never hides the others.
 */
import { isMoatError, MoatError, SignError } from '../errors.js';
import {
  legacyTag,
  readBundleReferrers,
  readLegacy,
  resolveImage,
  type RegistryAccess,
} from './oci/index.js';
import {
  cosignSignPredicateType,
  inTotoPayloadType,
  parseStatement,
  predicateTypeFor,
  subjectAnnotations,
} from './payload/index.js';
import { requireDigestBinding } from './image-binding.js';
import type {
  BundleSignature,
  InTotoStatement,
  RejectedSignature,
  SignatureFormat,
  SignatureKind,
  SignedImage,
  VerificationPolicy,
  VerificationResult,
  VerifiedSignature,
} from './types.js';
import { verifyBundle } from './verify/bundle.js';
import { checkIdentityPolicy } from './verify/identity.js';
import { verifyLegacy } from './verify/legacy.js';

/** What a verification looks for. */
interface Wanted {
  kind: SignatureKind;
  /** Attestations only: the predicate type URI `--type` asked for. */
  predicateType?: string;
}

/**
 * Verifies the signatures of the image `reference` names against `policy` (keys, or a trusted
 * root and an identity policy). Resolves with the verified and the rejected ones; the image is
 * verified when `verified` is not empty.
 * @example
 * const result = await verifyImage('registry.example/app:1.0', { keys: [await loadPublicKeyFile('cosign.pub')] });
 * if (result.verified.length === 0) console.error(result.rejected.map((r) => r.reason));
 */
export async function verifyImage(
  reference: string,
  policy: VerificationPolicy,
  options: { access?: RegistryAccess } = {},
): Promise<VerificationResult> {
  return verifyStored(reference, policy, { kind: 'signature' }, options.access);
}

/**
 * Verifies the attestations of the image `reference` names, only those of `type` (cosign's
 * `--type` names or a predicate type URI) when given.
 * @example await verifyImageAttestations('registry.example/app:1.0', policy, { type: 'cyclonedx' })
 */
export async function verifyImageAttestations(
  reference: string,
  policy: VerificationPolicy,
  options: { type?: string; access?: RegistryAccess } = {},
): Promise<VerificationResult> {
  const wanted: Wanted = { kind: 'attestation' };
  if (options.type !== undefined) wanted.predicateType = predicateTypeFor(options.type);
  return verifyStored(reference, policy, wanted, options.access);
}

async function verifyStored(
  reference: string,
  policy: VerificationPolicy,
  wanted: Wanted,
  access: RegistryAccess = {},
): Promise<VerificationResult> {
  requireUsablePolicy(policy);
  const { client, image } = await resolveImage(reference, access);
  const verified: VerifiedSignature[] = [];
  const rejected: RejectedSignature[] = [];
  const reject = (format: SignatureFormat, source: string, error: unknown) =>
    rejected.push({ format, kind: wanted.kind, source, reason: reasonOf(error, source) });

  const legacySource = `${image.registry}/${image.repository}:${legacyTag(image.digest, wanted.kind)}`;
  // A layer or referrer that cannot be read is one rejection (onRejected); a problem with the
  // whole (too many layers or referrers, endless pages) rejects that format and the other is
  // still verified.
  const onRejected = (found: RejectedSignature) => rejected.push(found);
  const legacy = await readOrReject(
    () => readLegacy(client, image, wanted.kind, { onRejected }),
    (error) => reject('legacy', legacySource, error),
  );
  for (const found of legacy) {
    if (!hasWantedType(found.annotations['predicateType'], wanted)) continue;
    try {
      const result = verifyLegacy(found, image, policy);
      requireDigestBinding(result.payload, image.digest, found.source);
      if (wanted.kind === 'attestation') requireWantedPredicate(result.payload, wanted);
      // verifyLegacy reports only the signed annotations (the payload's `optional`).
      verified.push(result);
    } catch (error) {
      // Anything that goes wrong with one signature (even a bug tripped by hostile content) is
      // that signature's rejection: it is never verified, and the others still are. A policy
      // the caller got wrong is the caller's error, not the signature's.
      if (isUsageError(error)) throw error;
      reject('legacy', found.source, error);
    }
  }

  const referrersSource = `${image.registry}/${image.repository}@${image.digest} referrers`;
  const bundles = await readOrReject(
    () => readBundleReferrers(client, image, { onRejected }),
    (error) => reject('bundle', referrersSource, error),
  );
  for (const found of bundles) {
    if (found.kind !== wanted.kind) continue;
    if (!hasWantedType(found.annotations['dev.sigstore.bundle.predicateType'], wanted)) continue;
    try {
      verified.push(verifyImageBundle(found, image, policy, wanted));
    } catch (error) {
      if (isUsageError(error)) throw error;
      reject('bundle', found.source, error);
    }
  }
  return { reference, digest: image.digest, verified, rejected };
}

/**
 * A bundle stored for an image verifies when its signature does and its DSSE payload is an
 * in-toto statement about this digest of the wanted kind (cosign's `sign/v1` predicate for a
 * signature, any other for an attestation). A message-signature bundle signs some bytes' digest,
 * not a statement about the image, so it never counts for an image.
 */
function verifyImageBundle(
  found: BundleSignature,
  image: SignedImage,
  policy: VerificationPolicy,
  wanted: Wanted,
): VerifiedSignature {
  const result = verifyBundle(found.bundle, { kind: 'none' }, policy, found.source);
  if (result.content.kind !== 'dsse') {
    throw failed('the bundle holds a message signature, not a DSSE statement about the image');
  }
  if (result.content.payloadType !== inTotoPayloadType) {
    throw failed(
      `the DSSE payload type is ${result.content.payloadType}, not ${inTotoPayloadType}`,
    );
  }
  const statement = parseStatement(result.content.payload, found.source);
  requireDigestBinding(statement, image.digest, found.source);
  if (wanted.kind === 'signature' && statement.predicateType !== cosignSignPredicateType) {
    throw failed(`the statement's predicate type is ${statement.predicateType}, not a signature`);
  }
  if (wanted.kind === 'attestation') requireWantedPredicate(statement, wanted);
  return {
    format: 'bundle',
    kind: wanted.kind,
    source: found.source,
    signer: result.signer,
    payload: statement,
    ...(result.signedAt !== undefined ? { signedAt: result.signedAt } : {}),
    // Only what the signer signed: cosign 3 puts `sign -a` in the statement's subject.
    annotations: subjectAnnotations(statement, image.digest),
  };
}

/** An attestation of the type asked for (any attestation but a bundle-format signature). */
function requireWantedPredicate(payload: VerifiedSignature['payload'], wanted: Wanted): void {
  const predicateType = (payload as Partial<InTotoStatement>).predicateType;
  if (predicateType === cosignSignPredicateType) {
    throw failed('the statement is an image signature, not an attestation');
  }
  if (wanted.predicateType !== undefined && predicateType !== wanted.predicateType) {
    throw failed(
      `the statement's predicate type is ${String(predicateType)}, not ${wanted.predicateType}`,
    );
  }
}

/**
 * Skips, before any verification, what its (unsigned) annotation says is another predicate type:
 * cosign's `verify-attestation --type` filters the same way. The signed statement is checked
 * again after verification, so a lying annotation can only hide an attestation, never pass one.
 */
function hasWantedType(annotated: string | undefined, wanted: Wanted): boolean {
  return (
    wanted.predicateType === undefined ||
    annotated === undefined ||
    annotated === wanted.predicateType
  );
}

/**
 * Reads what the registry holds; content that is hostile or malformed (too large, looping, not a
 * manifest) becomes one rejection so the other format is still verified. Failures to reach the
 * registry at all end the verification.
 */
async function readOrReject<T>(
  read: () => Promise<T[]>,
  onHostile: (e: unknown) => void,
): Promise<T[]> {
  try {
    return await read();
  } catch (error) {
    if (!isMoatError(error) || unreachable.has(error.code)) throw error;
    onHostile(error);
    return [];
  }
}

const unreachable = new Set<string>([
  'REGISTRY_UNAUTHORIZED',
  'REGISTRY_DENIED',
  'REGISTRY_UNAVAILABLE',
  'REGISTRY_NAME_UNKNOWN',
  'HTTP_TIMEOUT',
]);

/**
 * A policy that could verify something: keys, or a trusted root with an identity and issuer
 * (valid RE2 patterns, as cosign's Go regular expressions).
 */
function requireUsablePolicy(policy: VerificationPolicy): void {
  if ((policy.keys ?? []).length > 0) return;
  if (policy.trustedRoot === undefined) {
    throw new MoatError('USAGE', 'verification needs a public key or a trusted root');
  }
  checkIdentityPolicy(policy.identity);
}

function isUsageError(error: unknown): boolean {
  return isMoatError(error) && error.code === 'USAGE';
}

function failed(reason: string): SignError {
  return new SignError('VERIFICATION_FAILED', reason);
}

/** The error's message on one line, without the source it already names. */
function reasonOf(error: unknown, source: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.replace(/\s*\n\s*/g, ' ');
  return line.startsWith(`${source}: `) ? line.slice(source.length + 2) : line;
}
