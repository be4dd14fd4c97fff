/**
 * Key files from disk: read with a bound, a missing file or a directory is one KEY_INVALID line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { generateSigningKey } from './algorithm.js';
import { encodeCosignPrivateKey, encodePublicKey } from './encode.js';
import { loadPrivateKeyFile, loadPublicKeyFile } from './files.js';
import { maxKeyFileBytes } from './limits.js';

const dir = mkdtempSync(join(tmpdir(), 'moat-keyfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const neverAsked = () => Promise.reject(new Error('the password must not be asked for'));

describe('key files', () => {
  it('loads a cosign key pair written to disk', async () => {
    const key = generateSigningKey();
    writeFileSync(join(dir, 'cosign.key'), encodeCosignPrivateKey(key, Buffer.from('pw')));
    writeFileSync(join(dir, 'cosign.pub'), encodePublicKey(key.publicKey));
    const read = await loadPrivateKeyFile(join(dir, 'cosign.key'), () =>
      Promise.resolve(Buffer.from('pw')),
    );
    const pub = await loadPublicKeyFile(join(dir, 'cosign.pub'));
    expect(encodePublicKey(read.publicKey)).toBe(encodePublicKey(pub.publicKey));
    expect(pub.source).toBe(join(dir, 'cosign.pub'));
  });

  it('refuses a file larger than the limit with LIMIT_EXCEEDED, before parsing it', async () => {
    const path = join(dir, 'huge.key');
    writeFileSync(path, Buffer.alloc(maxKeyFileBytes + 1, 0x41));
    await expect(loadPrivateKeyFile(path, neverAsked)).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: `${path}: key file is larger than ${maxKeyFileBytes} bytes`,
    });
  });

  it('refuses a missing file with KEY_INVALID naming it', async () => {
    const path = join(dir, 'missing.pub');
    await expect(loadPublicKeyFile(path)).rejects.toMatchObject({
      code: 'KEY_INVALID',
      message: `${path}: cannot read the key file: no such file or directory`,
    });
  });

  it('refuses a directory with KEY_INVALID', async () => {
    await expect(loadPublicKeyFile(dir)).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });
});
