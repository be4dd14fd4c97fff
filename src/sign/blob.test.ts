/**
 * Blob signatures: a bundle Moat writes verifies with Moat and with openssl over the data (an
 * independent verifier); altered data, another key, a truncated signature or an unknown bundle
 * media type never verify.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { signBlob, verifyBlob } from './blob.js';
import { encodePublicKey, generateSigningKey, readPublicKey } from './keys/index.js';
import type { VerificationPolicy } from './types.js';

const key = generateSigningKey();
const policy: VerificationPolicy = {
  keys: [readPublicKey(Buffer.from(encodePublicKey(key.publicKey)), 'cosign.pub')],
};
const data = Buffer.from('{"spdxVersion":"SPDX-2.3"}\n');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-blob-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The code of the error `run` throws; undefined when it returns. */
function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

interface BundleJson {
  mediaType: string;
  messageSignature: { messageDigest: { algorithm: string; digest: string }; signature: string };
}

describe('blob signatures', () => {
  test('a bundle verifies over the data it signed', () => {
    const verified = verifyBlob(data, signBlob(data, key), policy, 'sbom.sigstore.json');
    expect(verified).toMatchObject({ kind: 'signature', signer: { kind: 'key' } });
    expect(verified.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test.each(['ecdsa-p384', 'ecdsa-p521', 'ed25519'] as const)(
    'a %s key signs and verifies too',
    (algorithm) => {
      const other = generateSigningKey(algorithm);
      const otherPolicy = {
        keys: [readPublicKey(Buffer.from(encodePublicKey(other.publicKey)), 'other.pub')],
      };
      expect(verifyBlob(data, signBlob(data, other), otherPolicy, 'b.json').kind).toBe('signature');
    },
  );

  test('the bundle is a v0.3 message signature over the SHA-256 digest', () => {
    const bundle = JSON.parse(signBlob(data, key).toString()) as BundleJson;
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle.messageSignature.messageDigest.algorithm).toBe('SHA2_256');
  });

  test('openssl verifies the signature over the data', async () => {
    const bundle = JSON.parse(signBlob(data, key).toString()) as BundleJson;
    await writeFile(join(dir, 'data'), data);
    await writeFile(join(dir, 'sig'), Buffer.from(bundle.messageSignature.signature, 'base64'));
    await writeFile(join(dir, 'key.pub'), encodePublicKey(key.publicKey));
    const output = execFileSync('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      join(dir, 'key.pub'),
      '-signature',
      join(dir, 'sig'),
      join(dir, 'data'),
    ]).toString();
    expect(output.trim()).toBe('Verified OK');
  });

  test('altered data does not verify', () => {
    const bundle = signBlob(data, key);
    expect(() => verifyBlob(Buffer.from('{}'), bundle, policy, 'b.json')).toThrow(
      expect.objectContaining({ code: 'VERIFICATION_FAILED' }),
    );
  });

  test('a signature by another key does not verify', () => {
    const bundle = signBlob(data, generateSigningKey());
    expect(() => verifyBlob(data, bundle, policy, 'b.json')).toThrow(
      expect.objectContaining({ code: 'VERIFICATION_FAILED' }),
    );
  });

  test('a truncated signature does not verify', () => {
    const bundle = JSON.parse(signBlob(data, key).toString()) as BundleJson;
    const signature = Buffer.from(bundle.messageSignature.signature, 'base64');
    bundle.messageSignature.signature = signature
      .subarray(0, signature.length - 4)
      .toString('base64');
    const code = codeOf(() =>
      verifyBlob(data, Buffer.from(JSON.stringify(bundle)), policy, 'b.json'),
    );
    expect(['VERIFICATION_FAILED', 'SIGNATURE_INVALID']).toContain(code);
  });

  test('a bundle with an unknown media type is refused', () => {
    const bundle = JSON.parse(signBlob(data, key).toString()) as BundleJson;
    bundle.mediaType = 'application/vnd.dev.sigstore.bundle.v9.9+json';
    const code = codeOf(() =>
      verifyBlob(data, Buffer.from(JSON.stringify(bundle)), policy, 'b.json'),
    );
    expect(['VERIFICATION_FAILED', 'SIGNATURE_INVALID']).toContain(code);
  });
});
