/**
 * Verifies a Sigstore bundle offline with `@sigstore/verify`: signed with a public key (cosign
 * `--key`) or keyless (a Fulcio certificate chaining to the trusted root, its SCTs, a Rekor
 * entry with inclusion proof or promise for this very signature, RFC 3161 timestamps, and the
 * identity policy). The bundle is then bound to the artefact (`artifact-binding.ts`). Failures
 * are one-line VERIFICATION_FAILED reasons; a bundle that cannot be decoded is SIGNATURE_INVALID.
 */
import type { Bundle } from '@sigstore/bundle';
import { TrustedRoot as ProtoTrustedRoot } from '@sigstore/protobuf-specs';
import {
  Verifier,
  toTrustMaterial,
  type SignedEntity,
  type VerifierOptions,
} from '@sigstore/verify';

import { SignError } from '../../errors.js';
import type { Signer, VerificationKey, VerificationPolicy } from '../types.js';
import {
  checkStatementSubject,
  messageDigestFor,
  type BundleArtifact,
} from './artifact-binding.js';
import { readBundle } from './bundle-read.js';
import { signingTime, verifyKeyless } from './keyless.js';
import { failureReason, toSignError } from './reasons.js';
import { dsseEntity, messageSignatureEntity } from './signed-entity.js';
import { protoTrustedRoot, trustedRootMediaTypes } from './trusted-root.js';

export type { BundleArtifact } from './artifact-binding.js';

/** What a bundle that verified says: who signed, when, and what. */
export interface VerifiedBundle {
  signer: Signer;
  /** The earliest verified signing time (transparency log or RFC 3161), ISO 8601. */
  signedAt?: string;
  content:
    | { kind: 'message-signature'; digest: Buffer }
    | { kind: 'dsse'; payloadType: string; payload: Buffer };
}

/** Key-signed bundles need no transparency log or timestamp, but those present must verify. */
const keyVerifierOptions: VerifierOptions = {
  tlogThreshold: 0,
  ctlogThreshold: 0,
  timestampThreshold: 0,
};

/**
 * Verifies `bundle` (JSON bytes) against the artefact and the policy, without any network.
 *
 * @example
 * const verified = verifyBundle(bundleBytes, { kind: 'bytes', data }, { keys: [key] }, 'a.sigstore.json');
 */
export function verifyBundle(
  bundle: Buffer,
  artifact: BundleArtifact,
  policy: VerificationPolicy,
  source: string,
): VerifiedBundle {
  const parsed = readBundle(bundle, source);
  const { content, entity } = prepare(parsed, artifact, source);
  const material = parsed.verificationMaterial.content;
  const { signer, verified } =
    material.$case === 'publicKey'
      ? verifyWithKeys(entity, material.publicKey.hint, policy, source)
      : verifyKeyless(entity, policy, source);
  const signedAt = signingTime(verified);
  return signedAt ? { signer, signedAt, content } : { signer, content };
}

/** Binds the bundle to the artefact and builds what `@sigstore/verify` checks. */
function prepare(
  bundle: Bundle,
  artifact: BundleArtifact,
  source: string,
): { content: VerifiedBundle['content']; entity: SignedEntity } {
  if (bundle.content.$case === 'dsseEnvelope') {
    const envelope = bundle.content.dsseEnvelope;
    const content = {
      kind: 'dsse' as const,
      payloadType: envelope.payloadType,
      payload: Buffer.from(envelope.payload),
    };
    if (envelope.signatures.length !== 1) {
      throw new SignError(
        'SIGNATURE_INVALID',
        `${source}: DSSE envelope has ${envelope.signatures.length} signatures, expected exactly one`,
      );
    }
    checkStatementSubject(content, artifact, source);
    return { content, entity: dsseEntity(bundle, content, source) };
  }
  const message = bundle.content.messageSignature;
  const { hash, digest } = messageDigestFor(
    {
      algorithm: message.messageDigest?.algorithm ?? 0,
      digest: message.messageDigest?.digest ?? Buffer.alloc(0),
    },
    artifact,
    source,
  );
  const signed = artifact.kind === 'bytes' ? { bytes: artifact.data } : { hash, digest };
  return {
    content: { kind: 'message-signature', digest },
    entity: messageSignatureEntity(bundle, signed, source),
  };
}

function verifyWithKeys(
  entity: SignedEntity,
  hint: string,
  policy: VerificationPolicy,
  source: string,
): { signer: Signer; verified: SignedEntity } {
  const keys = policy.keys ?? [];
  if (keys.length === 0) {
    throw new SignError(
      'VERIFICATION_FAILED',
      `${source}: bundle is signed with a public key${hint ? ` (hint ${hint})` : ''} but no key was given`,
    );
  }
  // The hint is only a hint: the key it names is tried first, then every other key.
  const ordered = [
    ...keys.filter((key) => hint !== '' && key.hint === hint),
    ...keys.filter((key) => hint === '' || key.hint !== hint),
  ];
  // Without a trusted root the log entries and timestamps cannot be checked, so they are not
  // used (cosign `--key` with `--insecure-ignore-tlog`); with one, every entry present must verify.
  const root = policy.trustedRoot ? protoTrustedRoot(policy.trustedRoot) : emptyTrustedRoot();
  const verified = policy.trustedRoot ? entity : { ...entity, tlogEntries: [], timestamps: [] };
  const failures: unknown[] = [];
  for (const key of ordered) {
    const verifier = new Verifier(toTrustMaterial(root, keyFinder(key)), keyVerifierOptions);
    try {
      verifier.verify(verified);
      return { signer: { kind: 'key', key: key.source }, verified };
    } catch (error) {
      failures.push(error);
    }
  }
  const first = failures[0];
  if (ordered.length === 1) throw toSignError(first, source);
  throw new SignError(
    'VERIFICATION_FAILED',
    `${source}: none of the ${ordered.length} keys verifies the bundle (${ordered[0]?.source ?? ''}: ${failureReason(first)})`,
    { cause: first },
  );
}

function keyFinder(key: VerificationKey) {
  return () => ({ publicKey: key.publicKey, validFor: () => true });
}

function emptyTrustedRoot(): ProtoTrustedRoot {
  return ProtoTrustedRoot.fromJSON({ mediaType: trustedRootMediaTypes[0] });
}
