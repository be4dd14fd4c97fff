/**
 * Raw signatures per algorithm, as cosign makes them with a key: ECDSA as ASN.1 DER over SHA-256
 * (P-256), SHA-384 (P-384) or SHA-512 (P-521); Ed25519 pure (RFC 8032); RSA PKCS#1 v1.5 over
 * SHA-256. Verification answers true or false and never throws on a malformed signature; for
 * Ed25519 it also accepts Ed25519ph, which cosign signs with by default (`ed25519ph.ts`).
 */
import { constants, sign, verify, type KeyObject } from 'node:crypto';

import type { KeyAlgorithm, SigningKey, VerificationKey } from '../types.js';
import { verifyEd25519ph } from './ed25519ph.js';

/** The digest each algorithm signs over (`null`: Ed25519 hashes inside). */
export function signatureHashOf(algorithm: KeyAlgorithm): 'sha256' | 'sha384' | 'sha512' | null {
  switch (algorithm) {
    case 'ecdsa-p256':
    case 'rsa':
      return 'sha256';
    case 'ecdsa-p384':
      return 'sha384';
    case 'ecdsa-p521':
      return 'sha512';
    case 'ed25519':
      return null;
  }
}

/**
 * The signature of `data` with `key`.
 * @example signData(key, payload).toString('base64') // cosign's signature annotation
 */
export function signData(key: SigningKey, data: Buffer): Buffer {
  return sign(signatureHashOf(key.algorithm), data, keyInput(key.algorithm, key.privateKey));
}

/**
 * Whether `signature` is `key`'s signature of `data`; false (never an exception) for a wrong or
 * malformed signature.
 */
export function verifyData(key: VerificationKey, data: Buffer, signature: Buffer): boolean {
  try {
    const valid = verify(
      signatureHashOf(key.algorithm),
      data,
      keyInput(key.algorithm, key.publicKey),
      signature,
    );
    if (valid || key.algorithm !== 'ed25519') return valid;
    // Ed25519 SPKI DER is a fixed 12-byte prefix and the 32-byte key.
    const raw = key.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
    return verifyEd25519ph(raw, data, signature);
  } catch {
    return false;
  }
}

function keyInput(
  algorithm: KeyAlgorithm,
  key: KeyObject,
): KeyObject | { key: KeyObject; padding?: number; dsaEncoding?: 'der' } {
  if (algorithm === 'rsa') return { key, padding: constants.RSA_PKCS1_PADDING };
  if (algorithm === 'ed25519') return key;
  return { key, dsaEncoding: 'der' };
}
