/**
 * Every private key form `--key` accepts, from cosign's own test vectors and from openssl, and
 * each way a key file can be wrong: wrong password, truncated, bad base64, bad JSON, a weak or
 * unsupported key. The password is asked for only when the key is encrypted.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openssl } from '../../../test/fixtures/cosign-keys/openssl.js';
import { SignError } from '../../errors.js';
import type { KeyAlgorithm } from '../types.js';
import { generateSigningKey } from './algorithm.js';
import { encodeCosignPrivateKey, encodePublicKey } from './encode.js';
import { encodePem } from './pem.js';
import { readPrivateKey } from './read-private.js';
import { signData, verifyData } from './sign.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/cosign-keys/${name}`, import.meta.url));
const password = (text: string) => () => Promise.resolve(Buffer.from(text));
const neverAsked = () => Promise.reject(new Error('the password must not be asked for'));

const dir = mkdtempSync(join(tmpdir(), 'moat-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(promise: Promise<unknown>): Promise<SignError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(SignError);
  return error as SignError;
}

/** `pem` with the first `from` (hex) in its DER replaced by `to` (same length). */
function patchDer(pem: Buffer, from: string, to: string): Buffer {
  const lines = pem.toString().trim().split('\n');
  const hex = Buffer.from(lines.slice(1, -1).join(''), 'base64').toString('hex');
  const at = hex.indexOf(from);
  expect(at).toBeGreaterThan(0);
  expect(at % 2).toBe(0);
  const patched = Buffer.from(hex.slice(0, at) + to + hex.slice(at + from.length), 'hex');
  return Buffer.from(encodePem('ENCRYPTED PRIVATE KEY', patched));
}

/** A key made by openssl, as PEM. */
function opensslKey(args: string[]): Buffer {
  return openssl(args);
}

describe('readPrivateKey: cosign encrypted keys', () => {
  it("reads cosign's ENCRYPTED SIGSTORE PRIVATE KEY test vector with its password", async () => {
    const key = await readPrivateKey(fixture('sigstore-label.key'), 'v', password('hello'));
    expect(key.algorithm).toBe('ecdsa-p256');
    const verification = { ...key, source: 'v', hint: '' };
    expect(verifyData(verification, Buffer.from('x'), signData(key, Buffer.from('x')))).toBe(true);
  });

  it("reads the older ENCRYPTED COSIGN PRIVATE KEY label (cosign's test vector)", async () => {
    // cosign's test calls it an RSA key; it holds a P-256 key.
    const key = await readPrivateKey(fixture('cosign-label.key'), 'v', password('hello'));
    expect(key.algorithm).toBe('ecdsa-p256');
  });

  it('reads a key made by go-securesystemslib v0.11.0 as cosign 3 makes it (N = 2^16)', async () => {
    const key = await readPrivateKey(
      fixture('securesystemslib-v0.11.0.key'),
      'go',
      password('go password'),
    );
    expect(key.algorithm).toBe('ecdsa-p256');
    expect(encodePublicKey(key.publicKey)).toBe(fixture('securesystemslib-v0.11.0.pub').toString());
  });

  it('refuses a cosign container holding a SEC 1 key, as cosign does', async () => {
    const error = await refusal(
      readPrivateKey(fixture('cosign-label-ec-sec1.key'), 'v.key', password('hello')),
    );
    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toBe('v.key: the decrypted key is not PKCS#8');
  });

  it.each<KeyAlgorithm>(['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ed25519', 'rsa'])(
    'round-trips a generated %s key through encode and read',
    async (algorithm) => {
      const key = generateSigningKey(algorithm);
      const pem = encodeCosignPrivateKey(key, Buffer.from('correct horse'));
      expect(pem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
      const read = await readPrivateKey(Buffer.from(pem), 'k', password('correct horse'));
      expect(read.algorithm).toBe(algorithm);
      expect(encodePublicKey(read.publicKey)).toBe(encodePublicKey(key.publicKey));
    },
  );

  it('writes PEM lines of 64 characters, as Go does', () => {
    const pem = encodeCosignPrivateKey(generateSigningKey(), Buffer.alloc(0));
    const body = pem.split('\n').slice(1, -2);
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
    expect(body.at(-1)?.length).toBeLessThanOrEqual(64);
  });

  it('refuses a wrong password with KEY_PASSWORD_WRONG and a message without key material', async () => {
    const pem = encodeCosignPrivateKey(generateSigningKey(), Buffer.from('right'));
    const error = await refusal(readPrivateKey(Buffer.from(pem), 'cosign.key', password('wrong')));
    expect(error.code).toBe('KEY_PASSWORD_WRONG');
    expect(error.message).toBe(
      'cosign.key: wrong password for the encrypted private key (or the file was altered)',
    );
  });

  it('refuses a truncated PEM (no END line) with KEY_INVALID', async () => {
    const pem = encodeCosignPrivateKey(generateSigningKey(), Buffer.from('pw'));
    const error = await refusal(
      readPrivateKey(Buffer.from(pem.slice(0, 200)), 'cosign.key', neverAsked),
    );
    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toBe(
      'cosign.key: PEM block ENCRYPTED SIGSTORE PRIVATE KEY has no END line (truncated?)',
    );
  });

  it('refuses a body that is not base64 with KEY_INVALID', async () => {
    const pem = encodeCosignPrivateKey(generateSigningKey(), Buffer.from('pw')).replace(
      /\n[A-Za-z]/,
      '\n!',
    );
    const error = await refusal(readPrivateKey(Buffer.from(pem), 'k', neverAsked));
    expect(error.message).toBe('k: PEM block ENCRYPTED SIGSTORE PRIVATE KEY is not valid base64');
  });

  it('refuses a body that is not JSON with KEY_INVALID', async () => {
    const pem = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from('{"kdf": nope').toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    const error = await refusal(readPrivateKey(Buffer.from(pem), 'k', neverAsked));
    expect(error.code).toBe('KEY_INVALID');
  });

  it('refuses a file that is not PEM at all', async () => {
    const error = await refusal(readPrivateKey(Buffer.from('hello\n'), 'k', neverAsked));
    expect(error.message).toBe('k: not a PEM file (no BEGIN line)');
  });
});

describe('readPrivateKey: errors never quote the key file', () => {
  const plain = Buffer.from(
    opensslKey(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']),
  );
  const cosign = encodeCosignPrivateKey(generateSigningKey(), Buffer.from('pw'));
  const pkcs8 = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'pass:pw'], plain);

  /** Every 12-character piece of the PEM bodies (and the base64 inside cosign's JSON). */
  function pieces(...pems: (Buffer | string)[]): string[] {
    const texts = pems.flatMap((pem) => {
      const body = pem.toString().split('\n').slice(1, -2).join('');
      return [body, Buffer.from(body, 'base64').toString('latin1')];
    });
    return texts.flatMap((text) => text.match(/[A-Za-z0-9+/]{12}/g) ?? []);
  }

  it.each([
    ['a cosign key, wrong password', Buffer.from(cosign), 'wrong'],
    ['a cosign key, truncated', Buffer.from(cosign.slice(0, 300)), 'pw'],
    [
      'a cosign key, damaged JSON',
      Buffer.from(cosign.replace(/\n[A-Za-z0-9]{8}/, '\nAAAAAAAA')),
      'pw',
    ],
    ['an encrypted PKCS#8 key, wrong password', pkcs8, 'wrong'],
    [
      'a PKCS#8 key, damaged DER',
      Buffer.from(plain.toString().replace(/\n[A-Za-z0-9]{8}/, '\nAAAAAAAA')),
      '',
    ],
  ])('%s', async (_, pem, pass) => {
    const error = await refusal(readPrivateKey(pem, 'k', password(pass)));
    const cause = error.cause as Error | undefined;
    const told = `${error.message} ${cause?.message ?? ''} ${JSON.stringify(cause ?? {})}`;
    for (const piece of pieces(cosign, pkcs8, plain)) expect(told).not.toContain(piece);
  });
});

describe('readPrivateKey: PKCS#8, SEC 1 and PKCS#1 keys made by openssl', () => {
  it('reads a plain PKCS#8 key without asking for a password', async () => {
    const pem = opensslKey(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    expect((await readPrivateKey(pem, 'k', neverAsked)).algorithm).toBe('ecdsa-p384');
  });

  it('reads an encrypted PKCS#8 key (openssl pkcs8 -topk8 -v2 aes-256-cbc)', async () => {
    const plain = opensslKey(['genpkey', '-algorithm', 'ED25519']);
    const encrypted = openssl(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'pass:s3cret'],
      plain,
    );
    expect(encrypted.toString()).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    const key = await readPrivateKey(encrypted, 'k', password('s3cret'));
    expect(key.algorithm).toBe('ed25519');
  });

  it('refuses an encrypted PKCS#8 key with a wrong password (KEY_PASSWORD_WRONG)', async () => {
    const plain = opensslKey([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
    ]);
    const encrypted = openssl(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'pass:a'],
      plain,
    );
    const error = await refusal(readPrivateKey(encrypted, 'k.pem', password('b')));
    expect(error.code).toBe('KEY_PASSWORD_WRONG');
  });

  it('reads encrypted PKCS#8 keys with scrypt (PBES2) and with PBES1 (PBE-SHA1-3DES)', async () => {
    const plain = opensslKey([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
    ]);
    const scrypt = ['-scrypt', '-scrypt_N', '16384', '-scrypt_r', '8', '-scrypt_p', '1'];
    const pbes1 = ['-v1', 'PBE-SHA1-3DES'];
    for (const scheme of [scrypt, pbes1]) {
      const encrypted = openssl(['pkcs8', '-topk8', ...scheme, '-passout', 'pass:pw'], plain);
      expect((await readPrivateKey(encrypted, 'k', password('pw'))).algorithm).toBe('ecdsa-p256');
    }
  });

  it('refuses a hostile PBKDF2 iteration count before OpenSSL runs it, asking no password', async () => {
    const plain = opensslKey(['genpkey', '-algorithm', 'ED25519']);
    const pem = openssl(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-iter', '65536', '-passout', 'pass:pw'],
      plain,
    );
    // INTEGER 65536 (02 03 01 00 00, before the prf SEQUENCE) becomes 8 388 607.
    const hostile = patchDer(pem, '020301000030', '02037fffff30');
    const error = await refusal(readPrivateKey(hostile, 'k.pem', neverAsked));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toBe(
      'k.pem: key derivation iteration count 8388607 exceeds the limit of 2000000',
    );
  });

  it('refuses hostile scrypt parameters in encrypted PKCS#8, asking no password', async () => {
    const plain = opensslKey(['genpkey', '-algorithm', 'ED25519']);
    const pem = openssl(
      [
        'pkcs8',
        '-topk8',
        '-scrypt',
        '-scrypt_N',
        '16384',
        '-scrypt_r',
        '8',
        '-scrypt_p',
        '1',
        '-passout',
        'pass:pw',
      ],
      plain,
    );
    // r = 8, p = 1 (02 01 08 02 01 01) becomes p = 127.
    const hostile = patchDer(pem, '020108020101', '02010802017f');
    const error = await refusal(readPrivateKey(hostile, 'k.pem', neverAsked));
    expect(error.code).toBe('LIMIT_EXCEEDED');
  });

  it('refuses an ENCRYPTED PRIVATE KEY block that is not PKCS#8 DER', async () => {
    const pem = `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${Buffer.from('0\x03\x02\x01').toString('base64')}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
    const error = await refusal(readPrivateKey(Buffer.from(pem), 'k', neverAsked));
    expect(error.message).toBe('k: not a valid encrypted PKCS#8 key');
  });

  it('reads a SEC 1 EC PRIVATE KEY', async () => {
    const pem = opensslKey(['ecparam', '-name', 'secp521r1', '-genkey', '-noout']);
    expect(pem.toString()).toContain('BEGIN EC PRIVATE KEY');
    expect((await readPrivateKey(pem, 'k', neverAsked)).algorithm).toBe('ecdsa-p521');
  });

  it("reads a SEC 1 key in OpenSSL's legacy encrypted PEM (Proc-Type: 4,ENCRYPTED)", async () => {
    const sec1 = opensslKey(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
    const encrypted = openssl(['ec', '-aes256', '-passout', 'pass:pw'], sec1);
    expect(encrypted.toString()).toContain('Proc-Type: 4,ENCRYPTED');
    expect((await readPrivateKey(encrypted, 'k', password('pw'))).algorithm).toBe('ecdsa-p256');
  });

  it('reads a PKCS#1 RSA PRIVATE KEY of 2048 bits', async () => {
    const pem = opensslKey(['genrsa', '-traditional', '2048']);
    expect(pem.toString()).toContain('BEGIN RSA PRIVATE KEY');
    expect((await readPrivateKey(pem, 'k', neverAsked)).algorithm).toBe('rsa');
  });

  it('refuses an RSA key of 1024 bits', async () => {
    const pem = opensslKey(['genrsa', '-traditional', '1024']);
    const error = await refusal(readPrivateKey(pem, 'weak.key', neverAsked));
    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toBe(
      'weak.key: RSA key of 1024 bits is not supported (2048 to 4096 bits)',
    );
  });

  it('refuses an ECDSA key on secp256k1', async () => {
    const pem = opensslKey([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:secp256k1',
    ]);
    const error = await refusal(readPrivateKey(pem, 'k', neverAsked));
    expect(error.message).toBe('k: ECDSA curve secp256k1 is not supported (P-256, P-384, P-521)');
  });

  it('refuses an Ed448 key', async () => {
    const pem = opensslKey(['genpkey', '-algorithm', 'ED448']);
    const error = await refusal(readPrivateKey(pem, 'k', neverAsked));
    expect(error.code).toBe('KEY_INVALID');
  });

  it('refuses a public key where a private key is needed', async () => {
    const pub = encodePublicKey(generateSigningKey().publicKey);
    const error = await refusal(readPrivateKey(Buffer.from(pub), 'cosign.pub', neverAsked));
    expect(error.message).toBe('cosign.pub: holds a public key, a private key is needed here');
  });

  it('refuses damaged DER inside a valid PEM block, quoting none of it', async () => {
    const pem = opensslKey(['genpkey', '-algorithm', 'ED25519']).toString();
    const body = pem.split('\n')[1] ?? '';
    const damaged = pem.replace(body, body.slice(0, 20));
    const error = await refusal(readPrivateKey(Buffer.from(damaged), 'k', neverAsked));
    expect(error.message).toBe('k: not a valid private key');
    expect(JSON.stringify(error.cause)).not.toContain(body.slice(0, 20));
  });

  it('keeps the openssl key usable: a file written to disk reads the same', async () => {
    const path = join(dir, 'p8.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
    const key = await readPrivateKey(readFileSync(path), path, neverAsked);
    writeFileSync(join(dir, 'p8.pub'), encodePublicKey(key.publicKey));
    expect(openssl(['pkey', '-in', path, '-pubout']).toString()).toBe(
      encodePublicKey(key.publicKey),
    );
  });
});
