/**
 * Which {@link KeyAlgorithm} a Node key object is, refusing the kinds cosign refuses: ECDSA on
 * curves other than P-256/P-384/P-521, RSA outside 2048–4096 bits (sigstore `cryptoutils.
 * ValidatePubKey` allows 2048, 3072, 4096), Ed448, DSA, DH. Also key generation.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import { SignError } from '../../errors.js';
import type { KeyAlgorithm, SigningKey } from '../types.js';

/** Smallest and largest RSA modulus accepted, in bits. */
export const minRsaBits = 2048;
export const maxRsaBits = 4096;

/** The RSA modulus Moat generates, in bits. */
const generatedRsaBits = 3072;

const curves: Record<string, KeyAlgorithm> = {
  prime256v1: 'ecdsa-p256',
  secp384r1: 'ecdsa-p384',
  secp521r1: 'ecdsa-p521',
};

/**
 * The algorithm of `key` (private or public).
 * @throws SignError KEY_INVALID for a key kind, curve or size Moat does not sign or verify with.
 */
export function algorithmOf(key: KeyObject, source: string): KeyAlgorithm {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'ec': {
      const algorithm = curves[details.namedCurve ?? ''];
      if (algorithm === undefined) {
        throw new SignError(
          'KEY_INVALID',
          `${source}: ECDSA curve ${details.namedCurve ?? 'unknown'} is not supported (P-256, P-384, P-521)`,
        );
      }
      return algorithm;
    }
    case 'ed25519':
      return 'ed25519';
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < minRsaBits || bits > maxRsaBits) {
        throw new SignError(
          'KEY_INVALID',
          `${source}: RSA key of ${bits} bits is not supported (${minRsaBits} to ${maxRsaBits} bits)`,
        );
      }
      return 'rsa';
    }
    default:
      throw new SignError(
        'KEY_INVALID',
        `${source}: ${type ?? 'unknown'} keys are not supported (ECDSA P-256/P-384/P-521, Ed25519, RSA)`,
      );
  }
}

/**
 * A new key pair; ECDSA P-256 unless told otherwise (cosign's default). RSA keys have 3072 bits.
 * @example generateSigningKey('ed25519').publicKey
 */
export function generateSigningKey(algorithm: KeyAlgorithm = 'ecdsa-p256'): SigningKey {
  const pair = generate(algorithm);
  return { algorithm, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

function generate(algorithm: KeyAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (algorithm) {
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ecdsa-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ecdsa-p521':
      return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: generatedRsaBits });
  }
}
