/**
 * ECDSA P-256 keys for signing database bundles: loading PEM files with typed errors, the key
 * id (first 16 hex digits of the SHA-256 of the public key's SPKI DER), and key generation.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

import { MoatError } from '../errors.js';

/** A PEM-encoded key pair. */
export interface BundleKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

/** Generates a new P-256 key pair for signing bundles. */
export function generateBundleKeyPair(): BundleKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The key id of a public key. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/**
 * Loads a P-256 private key from PEM.
 * @throws MoatError KEY_INVALID when it is not one.
 */
export function loadPrivateKey(pem: string | Buffer, label = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new MoatError('KEY_INVALID', `${label}: not a PEM private key`, { cause });
  }
  return requireP256(key, label);
}

/**
 * Loads a P-256 public key from PEM (a private key's public half is accepted too).
 * @throws MoatError KEY_INVALID when it is not one.
 */
export function loadPublicKey(pem: string | Buffer, label = 'public key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new MoatError('KEY_INVALID', `${label}: not a PEM public key`, { cause });
  }
  return requireP256(key, label);
}

function requireP256(key: KeyObject, label: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new MoatError('KEY_INVALID', `${label}: not an ECDSA P-256 key`);
  }
  return key;
}
