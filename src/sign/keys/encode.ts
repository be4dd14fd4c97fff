/**
 * Writing keys the way cosign does: the private key as PKCS#8 DER sealed in cosign's encrypted
 * format under the `ENCRYPTED SIGSTORE PRIVATE KEY` label (`cosign generate-key-pair`), the public
 * key as SPKI in a `PUBLIC KEY` block (sigstore `cryptoutils.MarshalPublicKeyToPEM`).
 */
import type { KeyObject } from 'node:crypto';

import type { SigningKey } from '../types.js';
import { encryptCosignContainer, sigstorePrivateKeyLabel } from './cosign-encrypted.js';
import { encodePem } from './pem.js';

/**
 * `key` encrypted with `password` (which may be empty, as cosign allows) as a cosign key file.
 * @example writeFileSync('cosign.key', encodeCosignPrivateKey(key, password), { mode: 0o600 })
 */
export function encodeCosignPrivateKey(key: SigningKey, password: Buffer): string {
  const der = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    return encodePem(sigstorePrivateKeyLabel, encryptCosignContainer(der, password));
  } finally {
    der.fill(0);
  }
}

/** `publicKey` as a PEM `PUBLIC KEY` (SPKI) block, as in cosign's `.pub` files. */
export function encodePublicKey(publicKey: KeyObject): string {
  return encodePem('PUBLIC KEY', publicKey.export({ type: 'spki', format: 'der' }));
}
