/**
 * The token-signing key: one ES256 (P-256) key pair for the whole registry, generated at first
 * start and kept in the metadata store's settings (`auth.tokenKey`, PKCS#8 PEM) so that every
 * process on one database signs and verifies with the same key. `putSettingIfAbsent` makes two
 * processes starting at once agree on one key.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

import { MoatError } from '../errors.js';
import type { MetadataStore } from '../store/types.js';

const settingKey = 'auth.tokenKey';

/** The signing key, its public half and its key id (the JWT `kid`). */
export interface TokenKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

/** Loads the registry's signing key, creating it when this is the first start. */
export async function loadTokenKey(meta: MetadataStore): Promise<TokenKey> {
  let pem = await meta.getSetting(settingKey);
  if (pem === undefined) {
    pem = await meta.putSettingIfAbsent(settingKey, generateTokenKeyPem());
  }
  return tokenKeyFromPem(pem);
}

/** A fresh P-256 private key as PKCS#8 PEM. */
export function generateTokenKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** The {@link TokenKey} of a PKCS#8 PEM private key; refuses anything but P-256. */
export function tokenKeyFromPem(pem: string): TokenKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new MoatError('CONFIG_INVALID', `the stored ${settingKey} is not a private key`, {
      cause: error,
    });
  }
  if (
    privateKey.asymmetricKeyType !== 'ec' ||
    privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new MoatError('CONFIG_INVALID', `the stored ${settingKey} is not a P-256 key`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: libtrustKeyId(publicKey) };
}

/**
 * The key id Docker's libtrust (and so Distribution's token authentication) computes: SHA-256 of
 * the DER SubjectPublicKeyInfo, truncated to 240 bits, base32 in twelve groups of four.
 */
function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const digest = createHash('sha256').update(der).digest().subarray(0, 30);
  return base32(digest).match(/.{4}/g)?.join(':') ?? '';
}

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding (`bytes.length` a multiple of 5 here). */
function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}
