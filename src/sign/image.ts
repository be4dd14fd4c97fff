/**
 * Signing and attesting an image as cosign does. The reference is resolved to its manifest digest
 * first (a tag only names the image; the digest is what gets signed), then the signature is stored
 * in one of cosign's two formats:
 * - `bundle` (default, cosign 3): an in-toto statement about the digest in a DSSE envelope, in a
 *   Sigstore bundle stored as an OCI 1.1 referrer of the image (cosign
 *   `cmd/cosign/cli/sign/sign.go` `signDigestBundle`, `pkg/oci/remote/write.go`
 *   `WriteAttestationNewBundleFormat`);
 * - `legacy`: a simple-signing payload (signatures) or DSSE envelope (attestations) appended to
 *   the `sha256-<hex>.sig` / `.att` tag.
 * Signatures are key-based: nothing is sent to Fulcio or Rekor.
 */
import { dsseBundle } from './bundle/index.js';
import { keyHint, signData, verifyData } from './keys/index.js';
import {
  appendLegacy,
  bundleReferrerAnnotations,
  legacyAnnotations,
  legacyTag,
  resolveImage,
  writeBundleReferrer,
  type RegistryAccess,
} from './oci/index.js';
import {
  attestationPredicate,
  cosignSignPredicateType,
  dsseEnvelopeMediaType,
  imageSignatureStatement,
  imageStatement,
  inTotoPayloadType,
  predicateTypeFor,
  serializeEnvelope,
  serializeStatement,
  signEnvelope,
  simpleSigningMediaType,
  simpleSigningPayload,
} from './payload/index.js';
import type { SignatureFormat, SignedImage, SigningKey, VerificationKey } from './types.js';

/** The type `--type` defaults to, as in cosign. */
export const defaultAttestationType = 'custom';

/** What signing and attesting share. */
export interface ImageSigningOptions {
  key: SigningKey;
  /** Where to store it; `bundle` (cosign 3's default) when not given. */
  format?: SignatureFormat;
  access?: RegistryAccess;
  /** Told about a tag that was resolved to a digest. */
  onWarning?: (message: string) => void;
}

/** What was signed and where the signature went (`registry/repo:sha256-….sig`, `registry/repo@sha256:…`). */
export interface SigningResult {
  image: SignedImage;
  stored: string;
}

/**
 * Signs the image `reference` names (its manifest digest) with `key`.
 * @example await signImage('registry.example/app:1.0', { key, annotations: { env: 'prod' } })
 */
export async function signImage(
  reference: string,
  options: ImageSigningOptions & { annotations?: Record<string, string> },
): Promise<SigningResult> {
  const { client, image } = await resolve(reference, options);
  const annotations = options.annotations ?? {};
  if (options.format === 'legacy') {
    const payload = simpleSigningPayload(image, annotations);
    const signature = signData(options.key, payload).toString('base64');
    const signer = verificationKeyOf(options.key);
    await appendLegacy(
      client,
      image,
      'signature',
      {
        mediaType: simpleSigningMediaType,
        payload,
        annotations: { [legacyAnnotations.signature]: signature },
      },
      // cosign's dupe detector: the same payload already signed by this key is not added again.
      {
        isDuplicate: (existing) =>
          verifyData(signer, payload, Buffer.from(existing.signature, 'base64')),
      },
    );
    return { image, stored: storedTag(image, 'signature') };
  }
  const statement = imageSignatureStatement(image, annotations);
  const bundle = dsseBundle({
    envelope: signEnvelope(options.key, inTotoPayloadType, statement),
    key: verificationKeyOf(options.key),
  });
  const digest = await writeBundleReferrer(
    client,
    image,
    bundle,
    bundleReferrerAnnotations(cosignSignPredicateType, new Date()),
  );
  return { image, stored: `${image.registry}/${image.repository}@${digest}` };
}

/**
 * Attests the image `reference` names: the predicate (file bytes) of `type` (cosign's `--type`
 * names or a URI) in an in-toto statement about the digest, signed as a DSSE envelope.
 * @example await attestImage('registry.example/app@sha256:…', { key, predicate, type: 'cyclonedx' })
 */
export async function attestImage(
  reference: string,
  options: ImageSigningOptions & { predicate: Buffer; type?: string },
): Promise<SigningResult> {
  const type = options.type ?? defaultAttestationType;
  const predicateType = predicateTypeFor(type);
  const predicate = attestationPredicate(type, options.predicate);
  const { client, image } = await resolve(reference, options);
  const statement = serializeStatement(imageStatement(image, predicateType, predicate));
  const envelope = signEnvelope(options.key, inTotoPayloadType, statement);
  if (options.format === 'legacy') {
    await appendLegacy(client, image, 'attestation', {
      mediaType: dsseEnvelopeMediaType,
      payload: serializeEnvelope(envelope),
      // cosign writes an empty signature annotation on attestations (the signature is inside
      // the envelope) and the predicate type for filtering.
      annotations: { [legacyAnnotations.signature]: '', predicateType },
    });
    return { image, stored: storedTag(image, 'attestation') };
  }
  const bundle = dsseBundle({ envelope, key: verificationKeyOf(options.key) });
  const digest = await writeBundleReferrer(
    client,
    image,
    bundle,
    bundleReferrerAnnotations(predicateType, new Date()),
  );
  return { image, stored: `${image.registry}/${image.repository}@${digest}` };
}

async function resolve(reference: string, options: ImageSigningOptions) {
  const resolved = await resolveImage(reference, options.access ?? {});
  if (resolved.byTag) {
    options.onWarning?.(
      `signing the digest ${resolved.image.digest}; tags can move, so sign and deploy by digest`,
    );
  }
  return resolved;
}

/** The signing key's public half as the bundle names it. */
export function verificationKeyOf(key: SigningKey): VerificationKey {
  return {
    algorithm: key.algorithm,
    publicKey: key.publicKey,
    source: 'signing key',
    hint: keyHint(key.publicKey),
  };
}

function storedTag(image: SignedImage, kind: 'signature' | 'attestation'): string {
  return `${image.registry}/${image.repository}:${legacyTag(image.digest, kind)}`;
}
