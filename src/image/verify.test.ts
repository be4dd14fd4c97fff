import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { describe, expect, it } from 'vitest';

import { parseDigest, verifyBlob } from './verify.js';

const content = Buffer.from('hello, layer\n');
const sha256 = `sha256:${createHash('sha256').update(content).digest('hex')}`;
const sha512 = `sha512:${createHash('sha512').update(content).digest('hex')}`;

async function run(data: Buffer[], expected: { digest: string; size: number }): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(data),
    verifyBlob(expected, 'blob.tar'),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('verifyBlob', () => {
  it('passes matching sha256 content through unchanged', async () => {
    const chunks = [content.subarray(0, 5), content.subarray(5)];
    await expect(run(chunks, { digest: sha256, size: content.length })).resolves.toEqual(content);
  });

  it('verifies sha512 digests too', async () => {
    await expect(run([content], { digest: sha512, size: content.length })).resolves.toEqual(
      content,
    );
  });

  it('fails with DIGEST_MISMATCH naming the blob and both digests', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    const error = run([content], { digest: wrong, size: content.length });
    await expect(error).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(error).rejects.toThrow(
      /blob\.tar.*expected sha256:0{64}, got sha256:[0-9a-f]{64}/,
    );
  });

  it('fails with SIZE_MISMATCH when the blob is shorter than declared', async () => {
    await expect(run([content], { digest: sha256, size: content.length + 1 })).rejects.toThrow(
      /shorter.*expected 14 bytes, got 13/,
    );
  });

  it('fails with SIZE_MISMATCH as soon as more bytes than declared arrive', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 1;
        this.push(Buffer.alloc(1024));
      },
    });
    const error = pipeline(
      endless,
      verifyBlob({ digest: sha256, size: 10 }, 'endless'),
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
    await expect(error).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(pulled).toBeLessThan(100);
  });

  it('rejects digests with an unknown algorithm', () => {
    expect(() => verifyBlob({ digest: `md5:${'0'.repeat(32)}`, size: 1 }, 'x')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }) as Error,
    );
  });
});

describe('parseDigest', () => {
  it('accepts sha256 and sha512 digests of the right length', () => {
    expect(parseDigest(sha256).algorithm).toBe('sha256');
    expect(parseDigest(sha512).algorithm).toBe('sha512');
  });

  it.each([
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'A'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    'sha256:',
  ])('rejects the malformed digest %s', (digest) => {
    expect(() => parseDigest(digest)).toThrow(
      expect.objectContaining({ code: 'TARGET_INVALID' }) as Error,
    );
  });
});
