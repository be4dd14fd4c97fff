/**
 * cosign's encrypted container: go-securesystemslib's own vectors open (all three parameter
 * sets), Moat's output has cosign's exact JSON shape, and hostile or damaged containers are
 * refused before any expensive work — the password is not even asked for.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { SignError } from '../../errors.js';
import { decryptCosignContainer, encryptCosignContainer } from './cosign-encrypted.js';

const vectors = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/cosign-keys/securesystemslib-vectors.json', import.meta.url),
    'utf8',
  ),
) as {
  passphrase: string;
  vectors: Record<string, { plaintext: string; container: unknown }>;
};

/** The container's JSON, loosely typed so that tests can damage any part of it. */
interface Container {
  kdf: { name: unknown; params: Record<string, unknown>; salt: unknown };
  cipher: { name: unknown; nonce: unknown };
  ciphertext?: unknown;
}

const password = (text: string) => () => Promise.resolve(Buffer.from(text));
const neverAsked = () => Promise.reject(new Error('the password must not be asked for'));

function container(overrides: (json: Container) => void): Buffer {
  const json = JSON.parse(JSON.stringify(vectors.vectors.testDecrypt?.container)) as Container;
  overrides(json);
  return Buffer.from(JSON.stringify(json));
}

async function refusal(promise: Promise<unknown>): Promise<SignError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(SignError);
  return error as SignError;
}

describe('cosign encrypted container', () => {
  it.each(['legacy', 'standard', 'owasp', 'testDecrypt'])(
    'opens go-securesystemslib vector %s with its passphrase',
    async (name) => {
      // The parameter-set vectors seal Go's JSON of the bytes (encrypted.Marshal): a quoted base64.
      const vector = vectors.vectors[name];
      const json = Buffer.from(JSON.stringify(vector?.container));
      const plaintext = await decryptCosignContainer(json, name, password(vectors.passphrase));
      expect(plaintext.toString()).toBe(vector?.plaintext);
    },
  );

  it("writes cosign's compact JSON: kdf scrypt N=65536 r=8 p=1, 32-byte salt, 24-byte nonce", () => {
    const text = encryptCosignContainer(Buffer.from('key'), Buffer.from('pw')).toString();
    expect(text).toMatch(
      /^\{"kdf":\{"name":"scrypt","params":\{"N":65536,"r":8,"p":1\},"salt":"[A-Za-z0-9+/]{43}="\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/]{32}"\},"ciphertext":"[A-Za-z0-9+/=]+"\}$/,
    );
    // secretbox: 16-byte Poly1305 tag, then the 3 encrypted bytes.
    const { ciphertext } = JSON.parse(text) as { ciphertext: string };
    expect(Buffer.from(ciphertext, 'base64')).toHaveLength(19);
  });

  it('opens what it sealed, including with an empty password', async () => {
    const sealed = encryptCosignContainer(Buffer.from('secret'), Buffer.alloc(0));
    expect((await decryptCosignContainer(sealed, 'k', password(''))).toString()).toBe('secret');
  });

  it('refuses a wrong password with KEY_PASSWORD_WRONG', async () => {
    const json = Buffer.from(JSON.stringify(vectors.vectors.testDecrypt?.container));
    const error = await refusal(decryptCosignContainer(json, 'k.key', password('wrong')));
    expect(error.code).toBe('KEY_PASSWORD_WRONG');
    expect(error.message).toBe(
      'k.key: wrong password for the encrypted private key (or the file was altered)',
    );
  });

  it('refuses a tampered ciphertext (the tag does not match)', async () => {
    const tampered = container((json) => {
      const bytes = Buffer.from(String(json.ciphertext), 'base64');
      bytes[20] = (bytes[20] ?? 0) ^ 1;
      json.ciphertext = bytes.toString('base64');
    });
    const error = await refusal(decryptCosignContainer(tampered, 'k', password('supersecret')));
    expect(error.code).toBe('KEY_PASSWORD_WRONG');
  });

  it.each([
    ['N = 2^30', { N: 2 ** 30, r: 8, p: 1 }],
    ['r = 1024', { N: 32768, r: 1024, p: 1 }],
    ['p = 64', { N: 32768, r: 8, p: 64 }],
    ['N = 2^18', { N: 2 ** 18, r: 8, p: 1 }],
  ])(
    'refuses hostile scrypt parameters (%s) with LIMIT_EXCEEDED, asking no password',
    async (_, params) => {
      const hostile = container((json) => {
        json.kdf.params = params;
      });
      const error = await refusal(decryptCosignContainer(hostile, 'k', neverAsked));
      expect(error.code).toBe('LIMIT_EXCEEDED');
      expect(error.message).toContain('exceed the limits N ≤ 131072, r ≤ 8, p ≤ 1');
    },
  );

  it.each([
    ['N not a power of two', (j: Container) => (j.kdf.params.N = 30000)],
    ['N = 0', (j: Container) => (j.kdf.params.N = 0)],
    ['p = 0', (j: Container) => (j.kdf.params.p = 0)],
    ['N a fraction', (j: Container) => (j.kdf.params.N = 1.5)],
    ['N a string', (j: Container) => (j.kdf.params.N = '32768')],
    ['a 16-byte salt', (j: Container) => (j.kdf.salt = Buffer.alloc(16).toString('base64'))],
    ['a 64-byte salt', (j: Container) => (j.kdf.salt = Buffer.alloc(64).toString('base64'))],
    ['a 23-byte nonce', (j: Container) => (j.cipher.nonce = Buffer.alloc(23).toString('base64'))],
    ['kdf argon2', (j: Container) => (j.kdf.name = 'argon2')],
    ['cipher aes-gcm', (j: Container) => (j.cipher.name = 'aes-gcm')],
    ['no ciphertext', (j: Container) => delete j.ciphertext],
    ['a salt that is not base64', (j: Container) => (j.kdf.salt = 'not base64!')],
    ['a ciphertext shorter than the tag', (j: Container) => (j.ciphertext = 'AAAA')],
  ])('refuses %s with KEY_INVALID, asking no password', async (_, change) => {
    const error = await refusal(decryptCosignContainer(container(change), 'k', neverAsked));
    expect(error.code).toBe('KEY_INVALID');
  });

  it('refuses text that is not JSON, quoting none of it', async () => {
    const text = '{"kdf":{"salt":"c2VjcmV0IHNhbHQ="'; // cut short
    const error = await refusal(decryptCosignContainer(Buffer.from(text), 'k', neverAsked));
    expect(error).toMatchObject({
      code: 'KEY_INVALID',
      message: 'k: the encrypted key is not JSON',
    });
    expect(error.cause).toBeUndefined();
  });

  it('names the fields at fault, never their values', async () => {
    const bad = container((json) => {
      json.kdf.salt = 'c2VjcmV0IHNhbHQ=!';
    });
    const error = await refusal(decryptCosignContainer(bad, 'k', neverAsked));
    expect(error.message).toBe(
      "k: the encrypted key is not cosign's JSON (kdf, cipher, ciphertext): bad kdf.salt",
    );
    expect(error.cause).toBeUndefined();
  });
});
