/**
 * The AES-256-GCM envelope of one secret: a random 96-bit nonce per seal, the secret's id and
 * purpose as additional authenticated data (so a ciphertext copied onto another row, or relabelled
 * for another purpose, no longer opens), stored as base64 of `version ‖ nonce ‖ ciphertext ‖ tag`.
 * Pure functions over a key; no I/O.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { AuthError } from '../errors.js';

const version = 1;
const nonceBytes = 12;
const tagBytes = 16;

/** The additional authenticated data binding a ciphertext to its row: id, NUL, purpose. */
function aadOf(id: string, purpose: string): Buffer {
  return Buffer.from(`${id}\0${purpose}`, 'utf8');
}

/**
 * Encrypts `plaintext` for the secret `id` with `purpose` under a 32-byte key.
 * @example const envelope = sealEnvelope(key, id, 'totp', Buffer.from(seed));
 */
export function sealEnvelope(key: Buffer, id: string, purpose: string, plaintext: Buffer): string {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(aadOf(id, purpose));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(version), nonce, body, cipher.getAuthTag()]).toString('base64');
}

/**
 * Decrypts an envelope of {@link sealEnvelope}; throws `MASTER_KEY_INVALID` when it does not
 * authenticate (wrong key, altered bytes, or another row's or purpose's ciphertext).
 */
export function openEnvelope(key: Buffer, id: string, purpose: string, envelope: string): Buffer {
  const bytes = Buffer.from(envelope, 'base64');
  if (bytes.length < 1 + nonceBytes + tagBytes || bytes[0] !== version) {
    throw new AuthError('MASTER_KEY_INVALID', `secret ${id}: not an envelope this version reads`);
  }
  const nonce = bytes.subarray(1, 1 + nonceBytes);
  const tag = bytes.subarray(bytes.length - tagBytes);
  const body = bytes.subarray(1 + nonceBytes, bytes.length - tagBytes);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
    decipher.setAAD(aadOf(id, purpose));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (error) {
    throw new AuthError(
      'MASTER_KEY_INVALID',
      `secret ${id} does not decrypt: altered, or sealed under another key`,
      { cause: error },
    );
  }
}
