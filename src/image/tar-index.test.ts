import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { rawTarHeader, tarOf } from '../../test/fixtures/tar-builder.js';
import { defaultLimits } from '../util/limits.js';
import { indexTar } from './tar-index.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-tarindex-'));
  file = join(dir, 'a.tar');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('indexTar', () => {
  it('streams members by path, including long (pax) names', async () => {
    const long = `${'x'.repeat(150)}/file`;
    await writeFile(
      file,
      await tarOf([
        { path: './a.txt', content: 'alpha' },
        { path: long, content: 'long' },
      ]),
    );
    const archive = await indexTar(file, defaultLimits);
    expect(await text(await archive.open('a.txt'))).toBe('alpha');
    expect(await text(await archive.open(long))).toBe('long');
    await archive.close();
  });

  it('resolves symlinked members inside the archive', async () => {
    await writeFile(
      file,
      await tarOf([
        { path: 'one/layer.tar', content: 'shared' },
        { path: 'two/layer.tar', linkTarget: '../one/layer.tar' },
      ]),
    );
    const archive = await indexTar(file, defaultLimits);
    expect(await text(await archive.open('two/layer.tar'))).toBe('shared');
    expect(await archive.size('two/layer.tar')).toBe(6);
    await archive.close();
  });

  it('fails with ARCHIVE_TRUNCATED when a member runs past the end of the file', async () => {
    const bytes = await tarOf([{ path: 'a', content: 'z'.repeat(3000) }]);
    await writeFile(file, bytes.subarray(0, 1500));
    await expect(indexTar(file, defaultLimits)).rejects.toThrow(
      expect.objectContaining({
        code: 'ARCHIVE_TRUNCATED',
        message: expect.stringContaining(file) as string,
      }) as Error,
    );
  });

  it('fails with ARCHIVE_CORRUPT on a header with a bad checksum', async () => {
    const header = rawTarHeader({ path: 'a', size: 0 });
    header.write('garbage', 0);
    await writeFile(file, Buffer.concat([header, Buffer.alloc(1024)]));
    await expect(indexTar(file, defaultLimits)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT' });
  });

  it('refuses archives with more members than the limit', async () => {
    await writeFile(
      file,
      await tarOf([
        { path: 'a', content: '' },
        { path: 'b', content: '' },
      ]),
    );
    await expect(indexTar(file, { ...defaultLimits, maxLayerEntries: 1 })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });
});
