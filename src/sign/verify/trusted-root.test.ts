import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { loadTrustedRoot, loadTrustedRootFile, maxTrustedRootBytes } from './trusted-root.js';

const publicGoodPath = join(
  import.meta.dirname,
  '../../../test/fixtures/sigstore-conformance/public-good-trusted-root.json',
);
const publicGood = readFileSync(publicGoodPath);

type Json = Record<string, unknown> & {
  tlogs: { publicKey: Record<string, unknown>; logId: Record<string, unknown> }[];
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
};

function edited(edit: (root: Json) => void): Buffer {
  const root = JSON.parse(publicGood.toString()) as Json;
  edit(root);
  return Buffer.from(JSON.stringify(root));
}

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

describe('loadTrustedRoot', () => {
  it('reads the public-good trusted root', () => {
    const root = loadTrustedRoot(publicGood, 'trusted_root.json');
    expect(root.source).toBe('trusted_root.json');
    expect(root.root).toMatchObject({
      mediaType: expect.stringContaining('trustedroot') as string,
    });
  });

  it('reads a file, and names the file when it is missing', async () => {
    expect((await loadTrustedRootFile(publicGoodPath)).source).toBe(publicGoodPath);
    const missing = join(tmpdir(), 'no-such-trusted-root.json');
    await expect(loadTrustedRootFile(missing)).rejects.toMatchObject({
      code: 'TRUSTED_ROOT_INVALID',
      message: expect.stringContaining(missing) as string,
    });
  });

  it(`refuses a file larger than ${maxTrustedRootBytes} bytes without reading it all`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-root-'));
    const path = join(dir, 'huge.json');
    writeFileSync(path, Buffer.alloc(maxTrustedRootBytes + 1, 0x20));
    try {
      await expect(loadTrustedRootFile(path)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(failure(() => loadTrustedRoot(Buffer.alloc(maxTrustedRootBytes + 1), 'b')).code).toBe(
      'LIMIT_EXCEEDED',
    );
  });

  it('refuses what is not JSON or not an object', () => {
    for (const text of ['', '{', '[]', 'null', '"x"']) {
      expect(failure(() => loadTrustedRoot(Buffer.from(text), 'r.json'))).toMatchObject({
        code: 'TRUSTED_ROOT_INVALID',
      });
    }
  });

  it('refuses an unknown media type, naming it', () => {
    const bytes = edited((root) => {
      root['mediaType'] = 'application/vnd.dev.sigstore.bundle.v0.3+json';
    });
    expect(failure(() => loadTrustedRoot(bytes, 'r.json'))).toMatchObject({
      code: 'TRUSTED_ROOT_INVALID',
      message:
        'r.json: trusted root has an unknown media type "application/vnd.dev.sigstore.bundle.v0.3+json"',
    });
  });

  it('refuses a log key without a start of validity (it would be trusted for all the past)', () => {
    const bytes = edited((root) => {
      delete root.tlogs[0]?.publicKey['validFor'];
    });
    expect(failure(() => loadTrustedRoot(bytes, 'r.json'))).toMatchObject({
      code: 'TRUSTED_ROOT_INVALID',
      message: 'r.json: tlogs[0]: public key has no validFor.start',
    });
  });

  it('refuses a log key that is not a key, and a log without an ID', () => {
    const badKey = edited((root) => {
      if (root.tlogs[0])
        root.tlogs[0].publicKey['rawBytes'] = Buffer.from('junk').toString('base64');
    });
    expect(failure(() => loadTrustedRoot(badKey, 'r.json')).message).toBe(
      'r.json: tlogs[0]: public key is not a valid key',
    );
    const noId = edited((root) => {
      if (root.tlogs[0]) root.tlogs[0].logId = {};
    });
    expect(failure(() => loadTrustedRoot(noId, 'r.json')).message).toBe(
      'r.json: tlogs[0]: has no log ID',
    );
  });

  it('refuses a certificate authority whose certificate does not parse', () => {
    const bytes = edited((root) => {
      const chain = root.certificateAuthorities[0]?.certChain.certificates;
      if (chain?.[0]) chain[0].rawBytes = Buffer.from('not a certificate').toString('base64');
    });
    expect(failure(() => loadTrustedRoot(bytes, 'r.json'))).toMatchObject({
      code: 'TRUSTED_ROOT_INVALID',
      message: 'r.json: certificateAuthorities[0]: certificate 0 is not a valid X.509 certificate',
    });
  });
});
