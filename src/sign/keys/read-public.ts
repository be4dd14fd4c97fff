/**
 * Reading a public key to verify with: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC KEY`) as sigstore's
 * `UnmarshalPEMToPublicKey` reads, and the key of a PEM certificate (`CERTIFICATE`).
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

import { SignError } from '../../errors.js';
import type { VerificationKey } from '../types.js';
import { algorithmOf } from './algorithm.js';
import { keyHint } from './hint.js';
import { maxKeyFileBytes } from './limits.js';
import { decodePem, type PemBlock } from './pem.js';

/**
 * The verification key in `pem` (from `source`, named in messages and kept in the result).
 * @throws SignError KEY_INVALID (not a supported public key or certificate), LIMIT_EXCEEDED
 * @example readPublicKey(readFileSync('cosign.pub'), 'cosign.pub').hint
 */
export function readPublicKey(pem: Buffer, source: string): VerificationKey {
  if (pem.length > maxKeyFileBytes) {
    throw new SignError(
      'LIMIT_EXCEEDED',
      `${source}: key file is larger than ${maxKeyFileBytes} bytes`,
    );
  }
  const publicKey = publicKeyOf(decodePem(pem, source), source);
  return { algorithm: algorithmOf(publicKey, source), publicKey, source, hint: keyHint(publicKey) };
}

function publicKeyOf(block: PemBlock, source: string): KeyObject {
  try {
    switch (block.label) {
      case 'PUBLIC KEY':
        return createPublicKey({ key: block.der, format: 'der', type: 'spki' });
      case 'RSA PUBLIC KEY':
        return createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' });
      case 'CERTIFICATE':
        return new X509Certificate(block.der).publicKey;
    }
  } catch (cause) {
    throw new SignError('KEY_INVALID', `${source}: not a valid ${block.label.toLowerCase()}`, {
      cause,
    });
  }
  throw new SignError(
    'KEY_INVALID',
    /PRIVATE KEY$/.test(block.label)
      ? `${source}: holds a private key, a public key is needed here (moat key public-key prints it)`
      : `${source}: unsupported PEM block ${block.label} (expected PUBLIC KEY or CERTIFICATE)`,
  );
}
