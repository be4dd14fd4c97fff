/**
 * Sigstore bundles (v0.3, `application/vnd.dev.sigstore.bundle.v0.3+json`) for key-based
 * signatures, shaped as cosign writes them with `--key` and no transparency log: sigstore-go's
 * `sign.Bundle` (`pkg/sign/signer.go`, `content.go`) puts the key's hint in
 * `verificationMaterial.publicKey`, adds no tlog entries and no timestamps, and leaves the DSSE
 * signature's `keyid` empty. The JSON is written by `@sigstore/bundle` (`bundleToJSON`), which
 * like cosign's protojson leaves empty lists out.
 */
import { type Bundle, bundleToJSON } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';

import { SignError } from '../../errors.js';
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

/**
 * A bundle holding a signature over an artifact's SHA-256 digest (what `cosign sign-blob --key`
 * writes): `messageSignature` with `messageDigest.algorithm` `SHA2_256`.
 */
export function messageSignatureBundle(input: {
  digest: Buffer;
  signature: Buffer;
  key: VerificationKey;
}): Buffer {
  if (input.digest.length !== 32) {
    throw new SignError('SIGNATURE_INVALID', 'a message-signature bundle needs a SHA-256 digest');
  }
  return toBytes({
    mediaType: bundleMediaType,
    verificationMaterial: verificationMaterial(input.key),
    content: {
      $case: 'messageSignature',
      messageSignature: {
        messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest: input.digest },
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
