/**
 * The signing library: sign, attest and verify images, sign and verify blobs, keys and trusted
 * roots — what `moat sign|attest|verify|verify-attestation|sign-blob|verify-blob|key` run on, and
 * what the registry and the policy gate call to verify.
 * @example
 * import { loadPrivateKeyFile, loadPublicKeyFile, sign, verify } from 'moat';
 * const key = await loadPrivateKeyFile('cosign.key', async () => Buffer.from(process.env.MOAT_PASSWORD ?? ''));
 * await sign('registry.example/app@sha256:…', { key });
 * const result = await verify('registry.example/app@sha256:…', { keys: [await loadPublicKeyFile('cosign.pub')] });
 */
export type * from './types.js';
export { attestImage, signImage, type ImageSigningOptions, type SigningResult } from './image.js';
export { verifyImage, verifyImageAttestations } from './image-verify.js';
export { signBlob, verifyBlob, type VerifiedBlob } from './blob.js';
export {
  encodeCosignPrivateKey,
  encodePublicKey,
  generateSigningKey,
  loadPrivateKeyFile,
  loadPublicKeyFile,
  readPrivateKey,
  readPublicKey,
} from './keys/index.js';
export { loadTrustedRoot, loadTrustedRootFile } from './verify/trusted-root.js';
export type { RegistryAccess } from './oci/index.js';

export { signImage as sign, attestImage as attest } from './image.js';
export { verifyImage as verify } from './image-verify.js';
