/**
 * Whether a bundle referrer is an image signature or an attestation, before verification.
 * cosign 3 signs an image as an in-toto statement with predicate type
 * `https://sigstore.dev/cosign/sign/v1` (cosign `pkg/types/predicate.go`) and writes that type
 * in the `dev.sigstore.bundle.predicateType` annotation; any other predicate is an attestation.
 * Without the annotation the bundle is looked into: a message signature is a signature; a DSSE
 * envelope is classified by its statement's `predicateType`. This is a hint for sorting only:
 * verification re-reads the verified statement.
 */
import type { SignatureKind } from '../types.js';
import { cosignSignPredicateType } from '../payload/intoto.js';

const predicateAnnotation = 'dev.sigstore.bundle.predicateType';

/** True for Sigstore bundle media types (`application/vnd.dev.sigstore.bundle.v0.3+json`, `…bundle+json;version=0.3`). */
export function isBundleMediaType(mediaType: string | undefined): boolean {
  return mediaType?.startsWith('application/vnd.dev.sigstore.bundle') === true;
}

/**
 * The kind of a bundle referrer from its annotations, else (when `bundle` is given) from the
 * bundle's content; undefined when neither tells.
 */
export function classifyBundle(
  annotations: Record<string, string>,
  bundle: Buffer | undefined,
): SignatureKind | undefined {
  const annotated = annotations[predicateAnnotation];
  if (annotated !== undefined && annotated !== '') {
    return annotated === cosignSignPredicateType ? 'signature' : 'attestation';
  }
  if (bundle === undefined) return undefined;
  const predicateType = bundlePredicateType(bundle);
  if (predicateType === null) return 'signature';
  if (predicateType === undefined) return undefined;
  return predicateType === cosignSignPredicateType ? 'signature' : 'attestation';
}

/** null for a message-signature bundle; the DSSE statement's predicate type; else undefined. */
function bundlePredicateType(bundle: Buffer): string | null | undefined {
  try {
    const json = JSON.parse(bundle.toString('utf8')) as Record<string, unknown>;
    if (typeof json.messageSignature === 'object' && json.messageSignature !== null) return null;
    const envelope = json.dsseEnvelope as Record<string, unknown> | undefined;
    if (typeof envelope?.payload !== 'string') return undefined;
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicateType?: unknown;
    };
    return typeof statement.predicateType === 'string' ? statement.predicateType : undefined;
  } catch {
    return undefined;
  }
}
