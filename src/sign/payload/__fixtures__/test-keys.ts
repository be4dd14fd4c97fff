/**
 * Test builders for `src/sign/payload`, `bundle` and `verify/legacy`: fresh key pairs (real keys
 * from the keys module) and images.
 */
import { generateSigningKey, keyHint } from '../../keys/index.js';
import type { KeyAlgorithm, SignedImage, SigningKey, VerificationKey } from '../../types.js';

/** A fresh key pair: the private key and the public key as a verifier would load it. */
export function keyPair(
  algorithm: KeyAlgorithm = 'ecdsa-p256',
  source = 'cosign.pub',
): { signing: SigningKey; verification: VerificationKey } {
  const signing = generateSigningKey(algorithm);
  return {
    signing,
    verification: {
      algorithm,
      publicKey: signing.publicKey,
      source,
      hint: keyHint(signing.publicKey),
    },
  };
}

/** An image in a local registry with the given manifest digest. */
export function imageWith(digest: string, repository = 'library/app'): SignedImage {
  return {
    registry: '127.0.0.1:5000',
    repository,
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 1234,
    dockerReference: `127.0.0.1:5000/${repository}`,
  };
}

/** Two distinct well-formed digests. */
export const digestA = `sha256:${'a'.repeat(64)}`;
export const digestB = `sha256:${'b'.repeat(64)}`;
