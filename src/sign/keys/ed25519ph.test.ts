/**
 * Ed25519ph verification: RFC 8032's own test vector, and the same arithmetic in pure mode agreeing
 * with Node's Ed25519 on fresh keys (so the curve code is checked by an independent implementation).
 */
import { generateKeyPairSync, sign } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { verifyEd25519ph, verifyEd25519Pure } from './ed25519ph.js';

// RFC 8032 §7.3, test "abc".
const rfcKey = Buffer.from(
  'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
  'hex',
);
const rfcSignature = Buffer.from(
  '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41' +
    '31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
  'hex',
);

function rawPublicKey(publicKey: ReturnType<typeof generateKeyPairSync>['publicKey']): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
}

describe('Ed25519ph', () => {
  it("verifies RFC 8032's Ed25519ph test vector", () => {
    expect(verifyEd25519ph(rfcKey, Buffer.from('abc'), rfcSignature)).toBe(true);
  });

  it('refuses the vector for another message, a flipped bit, or S ≥ L', () => {
    expect(verifyEd25519ph(rfcKey, Buffer.from('abd'), rfcSignature)).toBe(false);
    const flipped = Buffer.from(rfcSignature);
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    expect(verifyEd25519ph(rfcKey, Buffer.from('abc'), flipped)).toBe(false);
    const bigS = Buffer.from(rfcSignature);
    bigS.fill(0xff, 32);
    expect(verifyEd25519ph(rfcKey, Buffer.from('abc'), bigS)).toBe(false);
    expect(verifyEd25519ph(rfcKey, Buffer.from('abc'), rfcSignature.subarray(1))).toBe(false);
  });

  it('is not pure Ed25519: the RFC vector fails as a pure signature', () => {
    expect(verifyEd25519Pure(rfcKey, Buffer.from('abc'), rfcSignature)).toBe(false);
  });

  it("agrees with Node's pure Ed25519 on fresh keys (same curve arithmetic)", () => {
    for (let i = 0; i < 5; i++) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const message = Buffer.from(`message ${i}`);
      const signature = sign(null, message, privateKey);
      expect(verifyEd25519Pure(rawPublicKey(publicKey), message, signature)).toBe(true);
      expect(verifyEd25519Pure(rawPublicKey(publicKey), Buffer.from('other'), signature)).toBe(
        false,
      );
      expect(verifyEd25519ph(rawPublicKey(publicKey), message, signature)).toBe(false);
    }
  });
});
