/**
 * Key-based verification of cosign's legacy signatures, the layers of the `sha256-<hex>.sig` and
 * `.att` tags, as cosign checks them (`pkg/cosign/verify.go` `verifyOCISignature`,
 * `verifyOCIAttestation`; `pkg/cosign/verifiers.go` `SimpleClaimVerifier`,
 * `IntotoSubjectClaimVerifier`):
 * - a signature: the `dev.cosignproject.cosign/signature` annotation (base64) is a signature of
 *   the exact layer bytes by one of the keys, the bytes are a simple-signing payload, and its
 *   `docker-manifest-digest` is the image's digest (`docker-reference` is not compared: cosign
 *   does not either);
 * - an attestation: the layer is a DSSE envelope of an in-toto statement signed by one of the
 *   keys, and one of the statement's subjects carries the image's digest.
 * No transparency-log entry is required (cosign's `--insecure-ignore-tlog`): verification is
 * offline and the key is the trust anchor. Failures are `VERIFICATION_FAILED` with a one-line
 * reason.
 */
import { isMoatError, SignError } from '../../errors.js';
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
  VerificationKey,
  VerificationPolicy,
  VerifiedSignature,
} from '../types.js';

function failed(reason: string, cause?: unknown): SignError {
  return new SignError('VERIFICATION_FAILED', reason, cause === undefined ? undefined : { cause });
}

/** Runs a parser whose SIGNATURE_INVALID means the signature fails, keeping its message. */
function asVerificationFailure<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (isMoatError(error)) throw failed(error.message, error);
    throw error;
  }
}

function describeKeys(keys: readonly VerificationKey[]): string {
  if (keys.length === 1) return keys[0]!.source;
  return `any of ${keys.length} keys (${keys.map((key) => key.source).join(', ')})`;
}

function keysOf(found: LegacySignatureLayer, policy: VerificationPolicy): VerificationKey[] {
  const keys = policy.keys ?? [];
  if (keys.length > 0) return keys;
  if (found.certificate !== undefined) {
    throw failed(
      'keyless legacy signatures (certificate and Rekor bundle annotations) need Rekor ' +
        'verification Moat does not do for the legacy format: verify with --key, or sign with ' +
        '--signature-format bundle',
    );
  }
  throw failed('no public key to verify this signature with (it carries no certificate)');
}

function verifySignatureLayer(
  found: LegacySignatureLayer,
  image: SignedImage,
  keys: readonly VerificationKey[],
): VerifiedSignature {
  if (found.signature === '') throw failed('the layer has no signature annotation');
  const signature = decodeBase64Strict(found.signature);
  if (signature === undefined || signature.length === 0) {
    throw failed('the signature annotation is not valid base64');
  }
  if (found.payload.length > payloadLimits.maxSimpleSigningBytes) {
    throw failed(
      `signature payload is ${found.payload.length} bytes, over the ${payloadLimits.maxSimpleSigningBytes}-byte limit`,
    );
  }
  const key = keys.find((candidate) => verifyData(candidate, found.payload, signature));
  if (key === undefined) throw failed(`signature does not verify with ${describeKeys(keys)}`);
  const payload = asVerificationFailure(() =>
    parseSimpleSigningPayload(found.payload, found.source),
  );
  const signedDigest = payload.critical.image['docker-manifest-digest'];
  if (signedDigest !== image.digest) {
    throw failed(`signature is for ${signedDigest}, not ${image.digest}`);
  }
  return {
    format: 'legacy',
    kind: 'signature',
    source: found.source,
    signer: { kind: 'key', key: key.source },
    payload,
    annotations: payloadAnnotations(payload),
  };
}

function subjectDigests(statement: InTotoStatement): string {
  const digests = statement.subject.flatMap((subject) =>
    Object.entries(subject.digest).map(([algorithm, hex]) => `${algorithm}:${hex}`),
  );
  return digests.length <= 3 ? digests.join(', ') : `${digests.slice(0, 3).join(', ')}, …`;
}

function verifyAttestationLayer(
  found: LegacySignatureLayer,
  image: SignedImage,
  keys: readonly VerificationKey[],
): VerifiedSignature {
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
  const statement = asVerificationFailure(() => parseStatement(verified.payload, found.source));
  if (!statementCoversDigest(statement, image.digest)) {
    throw failed(`attestation is for ${subjectDigests(statement)}, not ${image.digest}`);
  }
  return {
    format: 'legacy',
    kind: 'attestation',
    source: found.source,
    signer: { kind: 'key', key: verified.key.source },
    payload: statement,
    // Only signed annotations: the layer's own (`predicateType`, …) are not covered by the signature.
    annotations: subjectAnnotations(statement, image.digest),
  };
}

/**
 * Verifies one legacy signature or attestation layer of `image` against the policy's keys.
 * Returns what verified; throws `SignError('VERIFICATION_FAILED', reason)` otherwise.
 */
export function verifyLegacy(
  found: LegacySignatureLayer,
  image: SignedImage,
  policy: VerificationPolicy,
): VerifiedSignature {
  const keys = keysOf(found, policy);
  return found.kind === 'signature'
    ? verifySignatureLayer(found, image, keys)
    : verifyAttestationLayer(found, image, keys);
}
