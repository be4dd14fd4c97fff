/**
 * The key hint cosign puts in a Sigstore bundle's `verificationMaterial.publicKey.hint`: the
 * standard (padded) base64 of the SHA-256 of the public key's SPKI DER (cosign
 * `internal/key/svkeypair.go` `NewSignerVerifierKeypair`; `cmd/cosign/cli/verify/verify_bundle.go`).
 */
import { createHash, type KeyObject } from 'node:crypto';

/**
 * cosign's bundle hint for `publicKey`.
 * @example keyHint(key.publicKey) // 'q4lGZ…=' (44 characters)
 */
export function keyHint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}
