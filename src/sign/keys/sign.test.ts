/**
 * Signatures per algorithm, checked by openssl as an independent verifier: ECDSA DER over the
 * curve's hash, Ed25519, RSA PKCS#1 v1.5 SHA-256; and verification that answers false, never
 * throws, for a wrong or malformed signature.
 */
import { sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openssl, opensslSucceeds } from '../../../test/fixtures/cosign-keys/openssl.js';
import type { KeyAlgorithm, SigningKey, VerificationKey } from '../types.js';
import { generateSigningKey } from './algorithm.js';
import { encodePublicKey } from './encode.js';
import { encodePem } from './pem.js';
import { readPublicKey } from './read-public.js';
import { signData, verifyData } from './sign.js';

const dir = mkdtempSync(join(tmpdir(), 'moat-sign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = Buffer.from('{"critical":{"type":"cosign container image signature"}}');

function verificationKeyOf(key: SigningKey): VerificationKey {
  return readPublicKey(Buffer.from(encodePublicKey(key.publicKey)), 'test');
}

/** Writes the public key, data and signature to files, for openssl. */
function files(name: string, key: SigningKey, signature: Buffer) {
  const pub = join(dir, `${name}.pub`);
  const input = join(dir, `${name}.data`);
  const sig = join(dir, `${name}.sig`);
  writeFileSync(pub, encodePublicKey(key.publicKey));
  writeFileSync(input, data);
  writeFileSync(sig, signature);
  return { pub, input, sig };
}

describe('signData', () => {
  it.each<[KeyAlgorithm, string]>([
    ['ecdsa-p256', '-sha256'],
    ['ecdsa-p384', '-sha384'],
    ['ecdsa-p521', '-sha512'],
    ['rsa', '-sha256'],
  ])('signs with %s so that openssl dgst %s -verify accepts it', (algorithm, digest) => {
    const key = generateSigningKey(algorithm);
    const { pub, input, sig } = files(algorithm, key, signData(key, data));
    const out = openssl(['dgst', digest, '-verify', pub, '-signature', sig, input]).toString();
    expect(out.trim()).toBe('Verified OK');
  });

  it('signs with Ed25519 (pure, RFC 8032) so that openssl pkeyutl -verify -rawin accepts it', () => {
    const key = generateSigningKey('ed25519');
    const { pub, input, sig } = files('ed25519', key, signData(key, data));
    const out = openssl([
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      pub,
      '-rawin',
      '-in',
      input,
      '-sigfile',
      sig,
    ]);
    expect(out.toString().trim()).toBe('Signature Verified Successfully');
  });

  it('writes ECDSA signatures as ASN.1 DER (a SEQUENCE), not raw r‖s', () => {
    const signature = signData(generateSigningKey(), data);
    expect(signature[0]).toBe(0x30);
    expect(signature[1]).toBe(signature.length - 2);
  });

  it('writes a .pub that openssl reads as a public key', () => {
    const { pub } = files('pub', generateSigningKey('ecdsa-p384'), Buffer.alloc(0));
    expect(opensslSucceeds(['pkey', '-pubin', '-in', pub, '-noout'])).toBe(true);
  });
});

describe('verifyData', () => {
  const malformedCheckKeys = (['ecdsa-p256', 'ed25519', 'rsa'] as const).map((algorithm) =>
    verificationKeyOf(generateSigningKey(algorithm)),
  );

  it.each<KeyAlgorithm>(['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ed25519', 'rsa'])(
    'accepts a %s signature of the data and refuses it for other data',
    (algorithm) => {
      const key = generateSigningKey(algorithm);
      const signature = signData(key, data);
      expect(verifyData(verificationKeyOf(key), data, signature)).toBe(true);
      expect(verifyData(verificationKeyOf(key), Buffer.from('other'), signature)).toBe(false);
    },
  );

  it("accepts Ed25519ph, cosign's default for Ed25519 keys (RFC 8032's test vector)", () => {
    const spki = Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      Buffer.from('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf', 'hex'),
    ]);
    const key = readPublicKey(Buffer.from(encodePem('PUBLIC KEY', spki)), 'rfc8032');
    const signature = Buffer.from(
      '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41' +
        '31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
      'hex',
    );
    expect(verifyData(key, Buffer.from('abc'), signature)).toBe(true);
    expect(verifyData(key, Buffer.from('abd'), signature)).toBe(false);
  });

  it('accepts a signature openssl made (ECDSA P-256, SHA-256)', () => {
    const path = join(dir, 'openssl.key');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
    writeFileSync(join(dir, 'openssl.data'), data);
    const signature = openssl(['dgst', '-sha256', '-sign', path, join(dir, 'openssl.data')]);
    const pub = openssl(['pkey', '-in', path, '-pubout']);
    expect(verifyData(readPublicKey(pub, 'openssl.pub'), data, signature)).toBe(true);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['garbage', Buffer.from('not a signature at all')],
    ['a truncated DER sequence', Buffer.from([0x30, 0x45, 0x02, 0x21])],
    ['a huge length', Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])],
  ])('answers false, without throwing, for a malformed signature (%s)', (_, signature) => {
    for (const key of malformedCheckKeys) expect(verifyData(key, data, signature)).toBe(false);
  });

  it('refuses re-encoded ECDSA signatures: raw r‖s, BER long-form length, a trailing byte', () => {
    const key = generateSigningKey();
    const verification = verificationKeyOf(key);
    const der = signData(key, data);
    const raw = sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    const ber = Buffer.concat([Buffer.from([0x30, 0x81, der[1] ?? 0]), der.subarray(2)]);
    expect(verifyData(verification, data, der)).toBe(true);
    expect(verifyData(verification, data, raw)).toBe(false);
    expect(verifyData(verification, data, ber)).toBe(false);
    expect(verifyData(verification, data, Buffer.concat([der, Buffer.from([0])]))).toBe(false);
  });

  it('refuses a truncated or bit-flipped signature of every algorithm', () => {
    for (const algorithm of ['ecdsa-p384', 'ed25519', 'rsa'] as const) {
      const key = generateSigningKey(algorithm);
      const signature = signData(key, data);
      const flipped = Buffer.from(signature);
      flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
      expect(verifyData(verificationKeyOf(key), data, signature.subarray(0, -1))).toBe(false);
      expect(verifyData(verificationKeyOf(key), data, flipped)).toBe(false);
    }
  });

  it("refuses another key's signature", () => {
    const signature = signData(generateSigningKey(), data);
    expect(verifyData(verificationKeyOf(generateSigningKey()), data, signature)).toBe(false);
  });
});
