import { describe, expect, test } from 'vitest';

import * as moat from '../index.js';

describe('the library surface', () => {
  test('sign, attest and verify are the image operations under the issue’s names', () => {
    expect(moat.sign).toBe(moat.signImage);
    expect(moat.attest).toBe(moat.attestImage);
    expect(moat.verify).toBe(moat.verifyImage);
  });

  test('blobs, keys and trusted roots are exported from the package entry', () => {
    for (const name of [
      'verifyImageAttestations',
      'signBlob',
      'verifyBlob',
      'generateSigningKey',
      'encodeCosignPrivateKey',
      'encodePublicKey',
      'loadPrivateKeyFile',
      'loadPublicKeyFile',
      'readPrivateKey',
      'readPublicKey',
      'loadTrustedRoot',
      'loadTrustedRootFile',
    ] as const) {
      expect(typeof moat[name]).toBe('function');
    }
  });

  test('a blob signed with a generated key verifies through the package entry', () => {
    const key = moat.generateSigningKey();
    const data = Buffer.from('artefact');
    const publicKey = moat.readPublicKey(Buffer.from(moat.encodePublicKey(key.publicKey)), 'k.pub');
    const verified = moat.verifyBlob(data, moat.signBlob(data, key), { keys: [publicKey] }, 'b');
    expect(verified.signer).toEqual({ kind: 'key', key: 'k.pub' });
  });
});
