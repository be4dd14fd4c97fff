/**
 * Builds the `SignedEntity` that `@sigstore/verify` checks from a bundle, adjusting its signature
 * check where version 3 falls short of what Sigstore signers write:
 * - it verifies with a fixed hash (the message digest's, or Node's default SHA-256 for DSSE) and
 *   with a digest for Ed25519, so P-384 / P-521 signatures over SHA-384 / SHA-512 and Ed25519
 *   signatures (algorithm registry: `ECDSA_P384_SHA_384`, `ED25519`) fail there; they are retried
 *   with the hash the key's algorithm signs with (`keys/sign.ts`, H1's `verifyData`);
 * - with only a digest of the artefact, the signature is checked over that digest (`prehashed.ts`);
 * - a DSSE envelope logged as a Rekor v2 hashedrekord records sha256(PAE), not sha256(payload)
 *   (rekor-v2-spec §6.1.4; `@sigstore/verify` 4 added `compareSignedDigest` for it).
 */
import type { KeyObject } from 'node:crypto';

import type { Bundle } from '@sigstore/bundle';
import { crypto as sigstoreCrypto, dsse } from '@sigstore/core';
import { toSignedEntity, type SignedEntity } from '@sigstore/verify';

import { SignError } from '../../errors.js';
import { algorithmOf, verifyData } from '../keys/index.js';
import { verifyPrehashed } from './prehashed.js';
import { translateFailures } from './reasons.js';

type SignatureContent = SignedEntity['signature'];

/**
 * The entity for a message-signature bundle: `signed` is the artefact's bytes when known, else
 * the signature is checked over `digest` (a `hash` digest: the artefact's, or the bundle's claim).
 */
export function messageSignatureEntity(
  bundle: Bundle,
  signed: { bytes: Buffer } | { hash: string; digest: Buffer },
  source: string,
): SignedEntity {
  if ('bytes' in signed) {
    const entity = translateFailures(source, () => toSignedEntity(bundle, signed.bytes));
    return withSignature(entity, {
      verifySignature: (key) =>
        entity.signature.verifySignature(key) ||
        verifyWithKeyHash(key, signed.bytes, entity.signature.signature),
    });
  }
  const entity = translateFailures(source, () => toSignedEntity(bundle));
  return withSignature(entity, {
    verifySignature: (key) => {
      if (key.asymmetricKeyType === 'ed25519') {
        throw new SignError(
          'VERIFICATION_FAILED',
          `${source}: an Ed25519 message signature is over the artefact itself; verify it with the artefact's bytes, not its digest`,
        );
      }
      return verifyPrehashed(key, signed.hash, signed.digest, entity.signature.signature);
    },
  });
}

/** The entity for a DSSE bundle (one signature, checked by the caller). */
export function dsseEntity(
  bundle: Bundle,
  envelope: { payloadType: string; payload: Buffer },
  source: string,
): SignedEntity {
  const entity = translateFailures(source, () => toSignedEntity(bundle));
  const signedBytes = dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload));
  const kinds = bundle.verificationMaterial.tlogEntries.map((entry) => entry.kindVersion?.kind);
  const hashedRekordOnly = kinds.length > 0 && kinds.every((kind) => kind === 'hashedrekord');
  const signedDigest = sigstoreCrypto.digest('sha256', signedBytes);
  return withSignature(entity, {
    verifySignature: (key) =>
      entity.signature.verifySignature(key) ||
      verifyWithKeyHash(key, signedBytes, entity.signature.signature),
    ...(hashedRekordOnly && {
      compareDigest: (digest: Buffer) => sigstoreCrypto.bufferEqual(digest, signedDigest),
    }),
  });
}

function withSignature(
  entity: SignedEntity,
  override: Partial<Pick<SignatureContent, 'verifySignature' | 'compareDigest'>>,
): SignedEntity {
  const base = entity.signature;
  return {
    ...entity,
    signature: {
      signature: base.signature,
      compareSignature: (other) => base.compareSignature(other),
      compareDigest: override.compareDigest ?? ((other) => base.compareDigest(other)),
      verifySignature: override.verifySignature ?? ((key) => base.verifySignature(key)),
    },
  };
}

/** Verifies with the hash the key's algorithm signs with; false for a key Moat does not know. */
function verifyWithKeyHash(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  let algorithm;
  try {
    algorithm = algorithmOf(key, 'signing key');
  } catch {
    return false;
  }
  return verifyData({ algorithm, publicKey: key, source: '', hint: '' }, data, signature);
}
