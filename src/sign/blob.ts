/**
 * Signing and verifying blobs (SBOMs, release artefacts) as cosign 3's `sign-blob` and
 * `verify-blob` do: a Sigstore bundle holding a message signature over the data, with its digest
 * (SHA-256 for the default P-256 key). Verification also accepts a DSSE bundle whose statement names the data (`attest-blob`).
 */
import { createHash } from 'node:crypto';

import { messageSignatureBundle } from './bundle/index.js';
import { signData } from './keys/index.js';
import { parseStatement } from './payload/index.js';
import { requireDigestBinding } from './image-binding.js';
import { verificationKeyOf } from './image.js';
import type { InTotoStatement, Signer, SigningKey, VerificationPolicy } from './types.js';
import { verifyBundle } from './verify/bundle.js';

/** A blob's bundle that verified: who signed and what the bundle says about the data. */
export interface VerifiedBlob {
  /** The bundle file, for messages. */
  source: string;
  /** `signature` for a message signature, `attestation` for a DSSE statement about the blob. */
  kind: 'signature' | 'attestation';
  signer: Signer;
  /** `sha256:<hex>` of the data that was verified. */
  digest: string;
  /** The in-toto statement of an attestation. */
  statement?: InTotoStatement;
  /** From a transparency-log entry or RFC 3161 timestamp, ISO 8601, when present. */
  signedAt?: string;
}

/**
 * Signs `data` with `key`; resolves to the bundle JSON (`application/vnd.dev.sigstore.bundle.v0.3+json`).
 * @example await writeFile('artifact.sigstore.json', signBlob(await readFile('artifact'), key))
 */
export function signBlob(data: Buffer, key: SigningKey): Buffer {
  // The digest uses the key's hash as cosign does (SHA-384 for P-384, SHA-512 for P-521).
  return messageSignatureBundle({
    artifact: data,
    signature: signData(key, data),
    key: verificationKeyOf(key),
  });
}

/**
 * Verifies `bundle` (read from `source`) over `data` against `policy`.
 * @throws SignError VERIFICATION_FAILED with the reason, SIGNATURE_INVALID for a malformed bundle.
 * @example verifyBlob(await readFile('sbom.json'), await readFile('sbom.sigstore.json'), { keys: [key] }, 'sbom.sigstore.json')
 */
export function verifyBlob(
  data: Buffer,
  bundle: Buffer,
  policy: VerificationPolicy,
  source: string,
): VerifiedBlob {
  const result = verifyBundle(bundle, { kind: 'bytes', data }, policy, source);
  const verified: VerifiedBlob = {
    source,
    kind: result.content.kind === 'dsse' ? 'attestation' : 'signature',
    signer: result.signer,
    digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
  };
  if (result.content.kind === 'dsse') {
    // verifyBundle checked the subject against the data already; checked here too, so that no
    // path reports a statement about other bytes as verified.
    const statement = parseStatement(result.content.payload, source);
    requireDigestBinding(statement, verified.digest, source);
    verified.statement = statement;
  }
  if (result.signedAt !== undefined) verified.signedAt = result.signedAt;
  return verified;
}
