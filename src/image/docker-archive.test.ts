import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  describeLayers,
  imageWith,
  writeDockerArchive,
} from '../../test/fixtures/image-builder.js';
import { tarOf } from '../../test/fixtures/tar-builder.js';
import { openDockerArchive } from './docker-archive.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-docker-'));
  file = join(dir, 'image.tar');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = [{ path: 'etc/os-release', content: 'ID=base\n' }];

describe('openDockerArchive', () => {
  it('yields the entries of each layer of a single-image archive', async () => {
    await writeDockerArchive(file, [
      { layers: [base, [{ path: 'app', content: 'v1' }]], tag: 'app:1' },
    ]);
    const image = await openDockerArchive(file);
    expect(await describeLayers(image)).toEqual([['etc/os-release=ID=base\n'], ['app=v1']]);
    expect(image.repoTags).toEqual(['app:1']);
    expect(image.layers[0]?.digest).toBe(image.config.rootfs?.diff_ids[0]);
    await image.close();
  });

  it('selects an image by repo:tag from a multi-image archive, following deduplicated layers', async () => {
    await writeDockerArchive(file, [
      { layers: [base, [{ path: 'app', content: 'one' }]], tag: 'app:1' },
      { layers: [base, [{ path: 'app', content: 'two' }]], tag: 'docker.io/library/app:2' },
    ]);
    const image = await openDockerArchive(file, 'app:2');
    expect(await describeLayers(image)).toEqual([['etc/os-release=ID=base\n'], ['app=two']]);
  });

  it('asks for a tag when the archive holds several images', async () => {
    await writeDockerArchive(file, [
      imageWith({ a: '1' }, { tag: 'a:1' }),
      imageWith({ b: '2' }, { tag: 'b:2' }),
    ]);
    await expect(openDockerArchive(file)).rejects.toThrow(/holds 2 images; name one .*a:1, b:2/);
  });

  it('fails with TAG_NOT_FOUND listing the available tags', async () => {
    await writeDockerArchive(file, [
      imageWith({ a: '1' }, { tag: 'a:1' }),
      imageWith({ b: '2' }, { tag: 'b:2' }),
    ]);
    await expect(openDockerArchive(file, 'c:3')).rejects.toThrow(
      expect.objectContaining({
        code: 'TAG_NOT_FOUND',
        message: expect.stringContaining('available: a:1, b:2') as string,
      }) as Error,
    );
  });

  it('reads gzip layers and verifies them against their diff_id', async () => {
    await writeDockerArchive(file, [
      { layers: [{ entries: [{ path: 'g', content: 'zipped' }], compression: 'gzip' }] },
    ]);
    const image = await openDockerArchive(file);
    expect(image.layers[0]?.mediaType).toContain('gzip');
    expect(await describeLayers(image)).toEqual([['g=zipped']]);
  });

  it('rejects a layer whose content does not match the config diff_id', async () => {
    await writeDockerArchive(file, [imageWith({ a: 'original' })]);
    const bytes = await readFile(file);
    const at = bytes.indexOf('original');
    bytes.write('OriginaL', at);
    await writeFile(file, bytes);
    const image = await openDockerArchive(file);
    await expect(describeLayers(image)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('rejects a config whose content does not match the digest in its file name', async () => {
    await writeDockerArchive(file, [
      imageWith({ a: '1' }, { config: { created: '2024-01-01T00:00:00Z' } }),
    ]);
    const bytes = await readFile(file);
    bytes.write('2025', bytes.indexOf('2024-01-01'));
    await writeFile(file, bytes);
    await expect(openDockerArchive(file)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('reports a truncated archive naming the file', async () => {
    await writeDockerArchive(file, [imageWith({ a: 'x'.repeat(4000) })]);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, 2048 + 700));
    await expect(openDockerArchive(file)).rejects.toThrow(
      expect.objectContaining({
        code: 'ARCHIVE_TRUNCATED',
        message: expect.stringContaining(file) as string,
      }) as Error,
    );
  });

  it('refuses a tar that is not a docker archive', async () => {
    await writeFile(file, await tarOf([{ path: 'hello', content: 'x' }]));
    await expect(openDockerArchive(file)).rejects.toThrow(/not a docker archive/);
  });

  it('reads the pre-1.10 format with a repositories file and parent links', async () => {
    const id1 = '1'.repeat(64);
    const id2 = '2'.repeat(64);
    const l1 = await tarOf([{ path: 'base', content: 'b' }]);
    const l2 = await tarOf([{ path: 'top', content: 't' }]);
    await writeFile(
      file,
      await tarOf([
        { path: 'repositories', content: JSON.stringify({ old: { v1: id2 } }) },
        { path: `${id1}/json`, content: JSON.stringify({ id: id1, os: 'linux' }) },
        { path: `${id1}/layer.tar`, content: l1 },
        { path: `${id2}/json`, content: JSON.stringify({ id: id2, parent: id1, os: 'linux' }) },
        { path: `${id2}/layer.tar`, content: l2 },
      ]),
    );
    const image = await openDockerArchive(file);
    expect(image.repoTags).toEqual(['old:v1']);
    expect(await describeLayers(image)).toEqual([['base=b'], ['top=t']]);
  });
});
