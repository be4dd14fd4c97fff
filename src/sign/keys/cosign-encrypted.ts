/**
 * cosign's encrypted private key (`ENCRYPTED SIGSTORE PRIVATE KEY`, read also under the older
 * `ENCRYPTED COSIGN PRIVATE KEY` label): the PEM body is the JSON of go-securesystemslib's
 * `encrypted` package — scrypt derives a 32-byte key from the password, NaCl secretbox
 * (XSalsa20-Poly1305, tag first) seals the key's PKCS#8 DER:
 *
 *     {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<32 bytes>"},
 *      "cipher":{"name":"nacl/secretbox","nonce":"<24 bytes>"},"ciphertext":"<tag‖box>"}
 *
 * (compact, that key order, standard padded base64 — Go's `json.Marshal` of `[]byte`). cosign 3
 * writes N = 2^16 (go-securesystemslib v0.11.0 `Encrypt` → `Standard`); it reads 2^15, 2^16 and
 * 2^17 with r = 8, p = 1. Moat writes the same and reads within `limits.ts`.
 */
import { randomBytes, scrypt, scryptSync } from 'node:crypto';

import { secretbox } from '@noble/ciphers/salsa';
import { z } from 'zod';

import { SignError } from '../../errors.js';
import { checkScryptParams, type ScryptParams } from './kdf-params.js';
import { scryptMaxMemBytes, scryptSaltBytes, secretboxNonceBytes } from './limits.js';

/** The PEM label cosign writes. */
export const sigstorePrivateKeyLabel = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** The label of keys written by cosign before 2.0, still read. */
export const cosignPrivateKeyLabel = 'ENCRYPTED COSIGN PRIVATE KEY';

/** cosign's current default scrypt parameters ("standard"). */
const standardParams: ScryptParams = { N: 65536, r: 8, p: 1 };

const keyBytes = 32;
const tagBytes = 16;

const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
const integer = z.number().int();
const containerSchema = z.object({
  kdf: z.object({
    name: z.string(),
    params: z.object({ N: integer, r: integer, p: integer }),
    salt: base64,
  }),
  cipher: z.object({ name: z.string(), nonce: base64 }),
  ciphertext: base64,
});

/** Seals `plaintext` with `password` into cosign's JSON container (bytes of compact JSON). */
export function encryptCosignContainer(plaintext: Uint8Array, password: Buffer): Buffer {
  const params = standardParams;
  const salt = randomBytes(scryptSaltBytes);
  const nonce = randomBytes(secretboxNonceBytes);
  const key = scryptSync(password, salt, keyBytes, { ...params, maxmem: scryptMaxMemBytes });
  const ciphertext = secretbox(key, nonce).seal(plaintext);
  key.fill(0);
  return Buffer.from(
    JSON.stringify({
      kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: b64(salt) },
      cipher: { name: 'nacl/secretbox', nonce: b64(nonce) },
      ciphertext: b64(ciphertext),
    }),
  );
}

/**
 * Opens cosign's JSON container. The KDF parameters are checked against the limits before the
 * password is asked for, so a hostile file costs nothing.
 * @throws SignError KEY_INVALID (malformed), LIMIT_EXCEEDED (KDF parameters beyond the limits),
 *   KEY_PASSWORD_WRONG (the secretbox does not open).
 */
export async function decryptCosignContainer(
  json: Buffer,
  source: string,
  password: () => Promise<Buffer>,
): Promise<Buffer> {
  // No cause is kept: JSON.parse's message quotes the text, and Moat's errors quote no key file.
  let document: unknown;
  try {
    document = JSON.parse(json.toString('utf8'));
  } catch {
    throw new SignError('KEY_INVALID', `${source}: the encrypted key is not JSON`);
  }
  const result = containerSchema.safeParse(document);
  if (!result.success) {
    const where = result.error.issues.map((issue) => issue.path.join('.') || '(top)').join(', ');
    throw new SignError(
      'KEY_INVALID',
      `${source}: the encrypted key is not cosign's JSON (kdf, cipher, ciphertext): bad ${where}`,
    );
  }
  const parsed = result.data;
  const { kdf, cipher } = parsed;
  if (kdf.name !== 'scrypt') {
    throw new SignError('KEY_INVALID', `${source}: unknown key derivation ${quote(kdf.name)}`);
  }
  if (cipher.name !== 'nacl/secretbox') {
    throw new SignError('KEY_INVALID', `${source}: unknown cipher ${quote(cipher.name)}`);
  }
  checkScryptParams(kdf.params, source);
  const salt = Buffer.from(kdf.salt, 'base64');
  if (salt.length !== scryptSaltBytes) {
    throw new SignError(
      'KEY_INVALID',
      `${source}: scrypt salt is ${salt.length} bytes, expected ${scryptSaltBytes}`,
    );
  }
  const nonce = Buffer.from(cipher.nonce, 'base64');
  if (nonce.length !== secretboxNonceBytes) {
    throw new SignError(
      'KEY_INVALID',
      `${source}: secretbox nonce is ${nonce.length} bytes, expected ${secretboxNonceBytes}`,
    );
  }
  const ciphertext = Buffer.from(parsed.ciphertext, 'base64');
  if (ciphertext.length <= tagBytes) {
    throw new SignError('KEY_INVALID', `${source}: the ciphertext is too short to hold a key`);
  }
  const key = await deriveKey(await password(), salt, kdf.params);
  try {
    return Buffer.from(secretbox(key, nonce).open(ciphertext));
  } catch (cause) {
    // Authenticated encryption cannot tell a wrong password from an altered ciphertext.
    throw new SignError(
      'KEY_PASSWORD_WRONG',
      `${source}: wrong password for the encrypted private key (or the file was altered)`,
      { cause },
    );
  } finally {
    key.fill(0);
  }
}

function deriveKey(password: Buffer, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, { N, r, p, maxmem: scryptMaxMemBytes }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** A name from the file, shortened and printable, for a message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
