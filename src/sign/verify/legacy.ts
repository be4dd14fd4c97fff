/**
 * Verification of cosign's legacy signatures, the layers of the `sha256-<hex>.sig` and `.att`
 * tags, as cosign checks them (`pkg/cosign/verify.go` `verifyOCISignature`,
 * `verifyOCIAttestation`; `pkg/cosign/verifiers.go` `SimpleClaimVerifier`,
 * `IntotoSubjectClaimVerifier`):
 * - a signature: the `dev.cosignproject.cosign/signature` annotation (base64) is a signature of
 *   the exact layer bytes, the bytes are a simple-signing payload, and its
 *   `docker-manifest-digest` is the image's digest (`docker-reference` is not compared: cosign
 *   does not either);
 * - an attestation: the layer is a DSSE envelope of an in-toto statement (payload type
 *   `application/vnd.in-toto+json`), and one of the statement's subjects carries the image's digest.
 * With keys, the signature must verify with one of them and no transparency-log entry is required
 * (cosign's `--insecure-ignore-tlog`: the key is the trust anchor). Without keys, a keyless layer
 * (certificate and Rekor bundle annotations) is rewritten as the equivalent Sigstore bundle and
 * verified like any bundle against the trusted root and identity policy (`bundle.ts`).
 * Failures are `VERIFICATION_FAILED` with a one-line reason.
 */
import { isMoatError, SignError } from '../../errors.js';
import { legacyKeylessBundle } from '../bundle/from-legacy.js';
import { verifyData } from '../keys/index.js';
import { decodeBase64Strict } from '../payload/base64.js';
import { inTotoPayloadType, parseEnvelope, verifyEnvelope } from '../payload/dsse.js';
import { parseStatement, statementCoversDigest, subjectAnnotations } from '../payload/intoto.js';
import { payloadLimits } from '../payload/limits.js';
import { parseSimpleSigningPayload, payloadAnnotations } from '../payload/simple-signing.js';
import type {
  InTotoStatement,
  LegacySignatureLayer,
  SignedImage,
  Signer,
  VerificationKey,
  VerificationPolicy,
  VerifiedSignature,
} from '../types.js';
import { verifyBundle } from './bundle.js';

function failed(reason: string, cause?: unknown): SignError {
  return new SignError('VERIFICATION_FAILED', reason, cause === undefined ? undefined : { cause });
}

/** Runs a step whose other Moat errors (SIGNATURE_INVALID, …) mean the signature fails. */
function asVerificationFailure<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (isMoatError(error) && error.code !== 'VERIFICATION_FAILED') {
      throw failed(error.message, error);
    }
    throw error;
  }
}

function describeKeys(keys: readonly VerificationKey[]): string {
  if (keys.length === 1) return keys[0]!.source;
  return `any of ${keys.length} keys (${keys.map((key) => key.source).join(', ')})`;
}

/** Who signed, established either way, and the bytes the signature covers. */
interface Established {
  signer: Signer;
  signedAt?: string;
  /** The signed payload: the simple-signing bytes, or the statement of an attestation. */
  payload: Buffer;
}

/** A keyless layer verified as the equivalent bundle; the policy has no keys. */
function establishKeyless(found: LegacySignatureLayer, policy: VerificationPolicy): Established {
  if (found.certificate === undefined) {
    throw failed('no public key to verify this signature with (it carries no certificate)');
  }
  if (policy.trustedRoot === undefined) {
    throw failed(
      'a keyless legacy signature needs a trusted root and an identity policy (--trusted-root, --certificate-identity, --certificate-oidc-issuer)',
    );
  }
  const bundle = asVerificationFailure(() => legacyKeylessBundle(found));
  const artifact =
    found.kind === 'signature'
      ? ({ kind: 'bytes', data: found.payload } as const)
      : ({ kind: 'none' } as const);
  const verified = asVerificationFailure(() =>
    verifyBundle(bundle, artifact, policy, found.source),
  );
  const payload = verified.content.kind === 'dsse' ? verified.content.payload : found.payload;
  if (verified.content.kind === 'dsse' && verified.content.payloadType !== inTotoPayloadType) {
    throw failed(
      `attestation payload type is ${JSON.stringify(verified.content.payloadType)}, not ${inTotoPayloadType}`,
    );
  }
  return verified.signedAt === undefined
    ? { signer: verified.signer, payload }
    : { signer: verified.signer, signedAt: verified.signedAt, payload };
}

function establishSignatureWithKeys(
  found: LegacySignatureLayer,
  keys: readonly VerificationKey[],
): Established {
  if (found.signature === '') throw failed('the layer has no signature annotation');
  const signature = decodeBase64Strict(found.signature);
  if (signature === undefined || signature.length === 0) {
    throw failed('the signature annotation is not valid base64');
  }
  const key = keys.find((candidate) => verifyData(candidate, found.payload, signature));
  if (key === undefined) throw failed(`signature does not verify with ${describeKeys(keys)}`);
  return { signer: { kind: 'key', key: key.source }, payload: found.payload };
}

function establishAttestationWithKeys(
  found: LegacySignatureLayer,
  keys: readonly VerificationKey[],
): Established {
  const envelope = asVerificationFailure(() => parseEnvelope(found.payload, found.source));
  if (envelope.payloadType !== inTotoPayloadType) {
    throw failed(
      `attestation payload type is ${JSON.stringify(envelope.payloadType)}, not ${inTotoPayloadType}`,
    );
  }
  const verified = verifyEnvelope(envelope, keys);
  if (verified === undefined) {
    throw failed(`attestation signature does not verify with ${describeKeys(keys)}`);
  }
  return { signer: { kind: 'key', key: verified.key.source }, payload: verified.payload };
}

function checkSignature(
  found: LegacySignatureLayer,
  image: SignedImage,
  established: Established,
): VerifiedSignature {
  const payload = asVerificationFailure(() =>
    parseSimpleSigningPayload(established.payload, found.source),
  );
  const signedDigest = payload.critical.image['docker-manifest-digest'];
  if (signedDigest !== image.digest) {
    throw failed(`signature is for ${signedDigest}, not ${image.digest}`);
  }
  return {
    format: 'legacy',
    kind: 'signature',
    source: found.source,
    signer: established.signer,
    payload,
    ...(established.signedAt === undefined ? {} : { signedAt: established.signedAt }),
    annotations: payloadAnnotations(payload),
  };
}

function subjectDigests(statement: InTotoStatement): string {
  const digests = statement.subject.flatMap((subject) =>
    Object.entries(subject.digest).map(([algorithm, hex]) => `${algorithm}:${hex}`),
  );
  return digests.length <= 3 ? digests.join(', ') : `${digests.slice(0, 3).join(', ')}, …`;
}

function checkAttestation(
  found: LegacySignatureLayer,
  image: SignedImage,
  established: Established,
): VerifiedSignature {
  const statement = asVerificationFailure(() => parseStatement(established.payload, found.source));
  if (!statementCoversDigest(statement, image.digest)) {
    throw failed(`attestation is for ${subjectDigests(statement)}, not ${image.digest}`);
  }
  return {
    format: 'legacy',
    kind: 'attestation',
    source: found.source,
    signer: established.signer,
    payload: statement,
    ...(established.signedAt === undefined ? {} : { signedAt: established.signedAt }),
    // Only signed annotations: the layer's own (`predicateType`, …) are not covered by the signature.
    annotations: subjectAnnotations(statement, image.digest),
  };
}

/**
 * Verifies one legacy signature or attestation layer of `image` against the policy: its keys, or
 * for a keyless layer the trusted root and identity. Returns what verified; throws
 * `SignError('VERIFICATION_FAILED', reason)` otherwise.
 */
export function verifyLegacy(
  found: LegacySignatureLayer,
  image: SignedImage,
  policy: VerificationPolicy,
): VerifiedSignature {
  if (found.kind === 'signature' && found.payload.length > payloadLimits.maxSimpleSigningBytes) {
    throw failed(
      `signature payload is ${found.payload.length} bytes, over the ${payloadLimits.maxSimpleSigningBytes}-byte limit`,
    );
  }
  const keys = policy.keys ?? [];
  if (found.kind === 'signature') {
    const established =
      keys.length > 0 ? establishSignatureWithKeys(found, keys) : establishKeyless(found, policy);
    return checkSignature(found, image, established);
  }
  const established =
    keys.length > 0 ? establishAttestationWithKeys(found, keys) : establishKeyless(found, policy);
  return checkAttestation(found, image, established);
}
