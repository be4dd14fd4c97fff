/**
 * Public keys to verify with: SPKI PEM, PKCS#1 RSA public keys and a certificate's key, each
 * with cosign's bundle hint (base64 of the SHA-256 of the SPKI DER, checked against openssl).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openssl } from '../../../test/fixtures/cosign-keys/openssl.js';
import { SignError } from '../../errors.js';
import { generateSigningKey } from './algorithm.js';
import { encodeCosignPrivateKey, encodePublicKey } from './encode.js';
import { keyHint } from './hint.js';
import { readPublicKey } from './read-public.js';

const dir = mkdtempSync(join(tmpdir(), 'moat-pub-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(read: () => unknown): SignError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(SignError);
    return error as SignError;
  }
  throw new Error('expected a refusal');
}

describe('readPublicKey', () => {
  it('reads an SPKI PUBLIC KEY and keeps its source', () => {
    const pem = Buffer.from(encodePublicKey(generateSigningKey('ed25519').publicKey));
    expect(readPublicKey(pem, 'cosign.pub')).toMatchObject({
      algorithm: 'ed25519',
      source: 'cosign.pub',
    });
  });

  it("reads a certificate's key (openssl req -x509)", () => {
    const keyPath = join(dir, 'cert.key');
    const certPath = join(dir, 'cert.pem');
    openssl([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-out',
      keyPath,
    ]);
    openssl([
      'req',
      '-x509',
      '-key',
      keyPath,
      '-subj',
      '/CN=moat test',
      '-days',
      '1',
      '-out',
      certPath,
    ]);
    const key = readPublicKey(readFileSync(certPath), 'cert.pem');
    expect(key.algorithm).toBe('ecdsa-p384');
    expect(encodePublicKey(key.publicKey)).toBe(
      openssl(['pkey', '-in', keyPath, '-pubout']).toString(),
    );
  });

  it('reads a PKCS#1 RSA PUBLIC KEY', () => {
    const rsa = openssl(['genrsa', '-traditional', '2048']);
    const pem = openssl(['rsa', '-RSAPublicKey_out'], rsa);
    expect(pem.toString()).toContain('BEGIN RSA PUBLIC KEY');
    expect(readPublicKey(pem, 'k').algorithm).toBe('rsa');
  });

  it('refuses a private key, pointing to moat key public-key', () => {
    const pem = encodeCosignPrivateKey(generateSigningKey(), Buffer.alloc(0));
    const error = refusal(() => readPublicKey(Buffer.from(pem), 'cosign.key'));
    expect(error.message).toBe(
      'cosign.key: holds a private key, a public key is needed here (moat key public-key prints it)',
    );
  });

  it('refuses an RSA public key of 1024 bits', () => {
    const pem = openssl(['rsa', '-pubout'], openssl(['genrsa', '-traditional', '1024']));
    expect(refusal(() => readPublicKey(pem, 'k')).code).toBe('KEY_INVALID');
  });

  it('refuses a damaged public key', () => {
    const pem =
      '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
    expect(refusal(() => readPublicKey(Buffer.from(pem), 'k')).message).toBe(
      'k: not a valid public key',
    );
  });
});

describe('keyHint', () => {
  it("is cosign's hint: standard base64 of the SHA-256 of the SPKI DER (as openssl computes it)", () => {
    const key = generateSigningKey();
    const der = openssl(['pkey', '-pubin', '-outform', 'DER'], encodePublicKey(key.publicKey));
    const digest = openssl(['dgst', '-sha256', '-binary'], der);
    expect(keyHint(key.publicKey)).toBe(digest.toString('base64'));
    expect(keyHint(key.publicKey)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('is what readPublicKey puts in the verification key', () => {
    const key = generateSigningKey('ecdsa-p521');
    const read = readPublicKey(Buffer.from(encodePublicKey(key.publicKey)), 'k');
    expect(read.hint).toBe(keyHint(key.publicKey));
  });
});
