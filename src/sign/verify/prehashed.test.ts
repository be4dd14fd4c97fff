import { createHash, generateKeyPairSync, sign } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { verifyPrehashed } from './prehashed.js';

// Signatures made by Node (OpenSSL) verify only if each curve's constants are right, and the
// mixed pairs exercise digest truncation (longer and shorter than the order).
const cases = [
  { curve: 'P-256', hash: 'sha256' },
  { curve: 'P-384', hash: 'sha384' },
  { curve: 'P-521', hash: 'sha512' },
  { curve: 'P-256', hash: 'sha512' },
  { curve: 'P-521', hash: 'sha256' },
] as const;

describe('verifyPrehashed', () => {
  for (const { curve, hash } of cases) {
    it(`accepts Node's ECDSA ${curve} / ${hash} signature given only the digest`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const data = Buffer.from(`artefact for ${curve}`);
      const signature = sign(hash, data, privateKey);
      const digest = createHash(hash).update(data).digest();
      expect(verifyPrehashed(publicKey, hash, digest, signature)).toBe(true);
    });

    it(`rejects an ECDSA ${curve} / ${hash} signature over another digest`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const signature = sign(hash, Buffer.from('one'), privateKey);
      const digest = createHash(hash).update('two').digest();
      expect(verifyPrehashed(publicKey, hash, digest, signature)).toBe(false);
    });
  }

  it('accepts RSA PKCS#1 v1.5 and rejects a wrong digest', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signature = sign('sha256', Buffer.from('data'), privateKey);
    const good = createHash('sha256').update('data').digest();
    const bad = createHash('sha256').update('other').digest();
    expect(verifyPrehashed(publicKey, 'sha256', good, signature)).toBe(true);
    expect(verifyPrehashed(publicKey, 'sha256', bad, signature)).toBe(false);
  });

  it('returns false for malformed signatures and for Ed25519', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const digest = createHash('sha256').update('x').digest();
    expect(verifyPrehashed(publicKey, 'sha256', digest, Buffer.from('3000', 'hex'))).toBe(false);
    expect(verifyPrehashed(publicKey, 'sha256', digest, Buffer.alloc(0))).toBe(false);
    const ed = generateKeyPairSync('ed25519');
    expect(verifyPrehashed(ed.publicKey, 'sha256', digest, Buffer.alloc(64))).toBe(false);
  });
});
