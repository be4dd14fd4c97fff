/**
 * Sigstore bundles (v0.3, `application/vnd.dev.sigstore.bundle.v0.3+json`) for key-based
 * signatures, shaped as cosign writes them with `--key` and no transparency log: sigstore-go's
 * `sign.Bundle` (`pkg/sign/signer.go`, `content.go`) puts the key's hint in
 * `verificationMaterial.publicKey`, adds no tlog entries and no timestamps, and leaves the DSSE
 * signature's `keyid` empty. The JSON is written by `@sigstore/bundle` (`bundleToJSON`), which
 * like cosign's protojson leaves empty lists out.
 */
import { createHash } from 'node:crypto';

import { type Bundle, bundleToJSON } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';

import { SignError } from '../../errors.js';
import { signatureHashOf } from '../keys/index.js';
import { decodeBase64Strict } from '../payload/base64.js';
import type { DsseEnvelope, VerificationKey } from '../types.js';

/** The media type of the bundles Moat writes. */
export const bundleMediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json';

function verificationMaterial(key: VerificationKey): Bundle['verificationMaterial'] {
  return {
    content: { $case: 'publicKey', publicKey: { hint: key.hint } },
    tlogEntries: [],
    timestampVerificationData: undefined,
  };
}

function toBytes(bundle: Bundle): Buffer {
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)), 'utf8');
}

const digestAlgorithms = {
  sha256: { proto: HashAlgorithm.SHA2_256, bytes: 32 },
  sha384: { proto: HashAlgorithm.SHA2_384, bytes: 48 },
  sha512: { proto: HashAlgorithm.SHA2_512, bytes: 64 },
} as const;

/**
 * The digest a message-signature bundle records for `key`: the hash the key signs with (cosign's
 * `SignerVerifierKeypair.GetHashAlgorithm`: SHA-384 for P-384, SHA-512 for P-521, else SHA-256),
 * which `@sigstore/verify` also uses to check the signature. Ed25519 signs the whole artifact;
 * cosign then leaves the digest empty, which `@sigstore/bundle` refuses, so Moat records SHA-256.
 */
export function messageDigestAlgorithm(key: VerificationKey): 'sha256' | 'sha384' | 'sha512' {
  return signatureHashOf(key.algorithm) ?? 'sha256';
}

/**
 * A bundle holding a signature over an artifact (what `cosign sign-blob --key` writes):
 * `messageSignature` with the artifact's digest. Given the artifact, the digest is computed with
 * {@link messageDigestAlgorithm} as cosign does; given a digest, its length says which SHA-2 it
 * is (SHA-256 for the default P-256 key).
 */
export function messageSignatureBundle(
  input:
    | { digest: Buffer; signature: Buffer; key: VerificationKey }
    | { artifact: Buffer; signature: Buffer; key: VerificationKey },
): Buffer {
  let digest: Buffer;
  let name: keyof typeof digestAlgorithms;
  if ('artifact' in input) {
    name = messageDigestAlgorithm(input.key);
    digest = createHash(name).update(input.artifact).digest();
  } else {
    digest = input.digest;
    const byLength = (Object.keys(digestAlgorithms) as (keyof typeof digestAlgorithms)[]).find(
      (candidate) => digestAlgorithms[candidate].bytes === digest.length,
    );
    if (byLength === undefined) {
      throw new SignError(
        'SIGNATURE_INVALID',
        `a bundle digest is SHA-256, SHA-384 or SHA-512, not ${digest.length} bytes`,
      );
    }
    name = byLength;
  }
  const algorithm = digestAlgorithms[name];
  return toBytes({
    mediaType: bundleMediaType,
    verificationMaterial: verificationMaterial(input.key),
    content: {
      $case: 'messageSignature',
      messageSignature: {
        messageDigest: { algorithm: algorithm.proto, digest },
        signature: input.signature,
      },
    },
  });
}

/** A bundle holding a one-signature DSSE envelope (what `cosign attest --new-bundle-format` writes). */
export function dsseBundle(input: { envelope: DsseEnvelope; key: VerificationKey }): Buffer {
  const { envelope } = input;
  const payload = decodeBase64Strict(envelope.payload);
  const signatures = envelope.signatures.map((signature) => ({
    keyid: signature.keyid ?? '',
    sig: decodeBase64Strict(signature.sig),
  }));
  if (payload === undefined || signatures.some((signature) => signature.sig === undefined)) {
    throw new SignError('SIGNATURE_INVALID', 'DSSE envelope is not valid base64');
  }
  if (signatures.length !== 1) {
    throw new SignError('SIGNATURE_INVALID', 'a bundle holds a DSSE envelope with one signature');
  }
  return toBytes({
    mediaType: bundleMediaType,
    verificationMaterial: verificationMaterial(input.key),
    content: {
      $case: 'dsseEnvelope',
      dsseEnvelope: {
        payloadType: envelope.payloadType,
        payload,
        signatures: signatures.map((signature) => ({
          keyid: signature.keyid,
          sig: signature.sig ?? Buffer.alloc(0),
        })),
      },
    },
  });
}
