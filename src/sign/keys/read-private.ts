/**
 * Reading a private key given to `--key`, whatever its PEM form: cosign's encrypted format
 * (`ENCRYPTED SIGSTORE PRIVATE KEY`, `ENCRYPTED COSIGN PRIVATE KEY`), PKCS#8 (`PRIVATE KEY`,
 * `ENCRYPTED PRIVATE KEY`), SEC 1 (`EC PRIVATE KEY`) and PKCS#1 (`RSA PRIVATE KEY`), the last two
 * also in OpenSSL's legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED`). The password is asked for only
 * when the key is encrypted. Errors name the source and never quote key material.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

import { SignError } from '../../errors.js';
import type { PasswordSource, SigningKey } from '../types.js';
import { algorithmOf } from './algorithm.js';
import {
  cosignPrivateKeyLabel,
  decryptCosignContainer,
  sigstorePrivateKeyLabel,
} from './cosign-encrypted.js';
import { maxKeyFileBytes } from './limits.js';
import { decodePem, type PemBlock } from './pem.js';
import { checkEncryptedPkcs8Kdf } from './pkcs8-encrypted.js';

/**
 * The signing key in `pem` (read from `source`, named in messages).
 * @throws SignError KEY_INVALID (not a supported private key), KEY_PASSWORD_WRONG, LIMIT_EXCEEDED
 * @example await readPrivateKey(readFileSync('cosign.key'), 'cosign.key', passwordSource(process, { confirm: false }))
 */
export async function readPrivateKey(
  pem: Buffer,
  source: string,
  password: PasswordSource,
): Promise<SigningKey> {
  if (pem.length > maxKeyFileBytes) {
    throw new SignError(
      'LIMIT_EXCEEDED',
      `${source}: key file is larger than ${maxKeyFileBytes} bytes`,
    );
  }
  const block = decodePem(pem, source);
  const privateKey = await privateKeyOf(block, source, password);
  const algorithm = algorithmOf(privateKey, source);
  return { algorithm, privateKey, publicKey: createPublicKey(privateKey) };
}

async function privateKeyOf(
  block: PemBlock,
  source: string,
  password: PasswordSource,
): Promise<KeyObject> {
  switch (block.label) {
    case sigstorePrivateKeyLabel:
    case cosignPrivateKeyLabel: {
      const der = await decryptCosignContainer(block.der, source, password);
      try {
        // cosign's LoadPrivateKey accepts only PKCS#8 here (a SEC 1 key inside is refused too).
        return parse(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), source, {
          what: 'the decrypted key is not PKCS#8',
        });
      } finally {
        der.fill(0);
      }
    }
    case 'PRIVATE KEY':
      return parse(
        () => createPrivateKey({ key: block.der, format: 'der', type: 'pkcs8' }),
        source,
      );
    case 'EC PRIVATE KEY':
    case 'RSA PRIVATE KEY': {
      if (isLegacyEncrypted(block)) return parseEncrypted(block, source, password);
      const type = block.label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs1';
      return parse(() => createPrivateKey({ key: block.der, format: 'der', type }), source);
    }
    case 'ENCRYPTED PRIVATE KEY':
      checkEncryptedPkcs8Kdf(block.der, source);
      return parseEncrypted(block, source, password);
    case 'PUBLIC KEY':
    case 'CERTIFICATE':
      throw new SignError(
        'KEY_INVALID',
        `${source}: holds a ${block.label.toLowerCase()}, a private key is needed here`,
      );
    default:
      throw new SignError(
        'KEY_INVALID',
        `${source}: unsupported PEM block ${block.label} (expected a cosign, PKCS#8, SEC 1 or PKCS#1 private key)`,
      );
  }
}

function isLegacyEncrypted(block: PemBlock): boolean {
  return block.headers.some(
    ([name, value]) => name === 'Proc-Type' && value.replace(/\s/g, '') === '4,ENCRYPTED',
  );
}

/** PKCS#8 PBES2 or OpenSSL's legacy encryption, through OpenSSL with an explicit passphrase. */
async function parseEncrypted(
  block: PemBlock,
  source: string,
  password: PasswordSource,
): Promise<KeyObject> {
  // Always pass a passphrase: without one OpenSSL may prompt on the terminal itself.
  const passphrase = await password();
  try {
    return createPrivateKey({ key: block.text, format: 'pem', passphrase });
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ERR_OSSL_BAD_DECRYPT') {
      throw new SignError(
        'KEY_PASSWORD_WRONG',
        `${source}: wrong password for the encrypted private key`,
        { cause: withoutDetail(cause) },
      );
    }
    throw new SignError('KEY_INVALID', `${source}: not a valid encrypted private key`, {
      cause: withoutDetail(cause),
    });
  }
}

function parse(
  make: () => KeyObject,
  source: string,
  { what = 'not a valid private key' }: { what?: string } = {},
): KeyObject {
  try {
    return make();
  } catch (cause) {
    throw new SignError('KEY_INVALID', `${source}: ${what}`, { cause: withoutDetail(cause) });
  }
}

/** OpenSSL's error, reduced to its code and message (no key bytes ever travel in a cause). */
function withoutDetail(cause: unknown): Error {
  const error = cause instanceof Error ? cause : new Error(String(cause));
  return Object.assign(new Error(error.message), { code: (error as { code?: unknown }).code });
}
