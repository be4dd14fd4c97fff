import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  describeLayers,
  imageWith,
  writeOciLayout,
  type ImageSpec,
} from '../../test/fixtures/image-builder.js';
import { hasZstd } from '../../test/fixtures/tar-builder.js';
import { openOciLayout } from './oci-layout.js';
import { parsePlatform } from './platform.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-oci-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const twoLayers: ImageSpec = {
  layers: [
    {
      entries: [
        { path: 'etc/', type: 'directory' },
        { path: 'etc/os-release', content: 'ID=test\n' },
      ],
      compression: 'gzip',
    },
    {
      entries: [
        { path: 'bin/sh', linkTarget: '/bin/busybox' },
        { path: 'app.txt', content: 'plain' },
      ],
      compression: 'none',
    },
  ],
  config: { config: { Env: ['PATH=/bin'] } },
};

describe('openOciLayout', () => {
  it('yields the entries of each layer, gzip and plain', async () => {
    await writeOciLayout(dir, [twoLayers]);
    const image = await openOciLayout(dir);
    expect(await describeLayers(image)).toEqual([
      ['etc/', 'etc/os-release=ID=test\n'],
      ['bin/sh -> /bin/busybox', 'app.txt=plain'],
    ]);
    expect(image.config.config?.Env).toEqual(['PATH=/bin']);
    expect(image.layers[1]?.diffId).toMatch(/^sha256:/);
    await image.close();
  });

  it.skipIf(!hasZstd())('reads zstd layers', async () => {
    await writeOciLayout(dir, [
      { layers: [{ entries: [{ path: 'z', content: 'zstd!' }], compression: 'zstd' }] },
    ]);
    expect(await describeLayers(await openOciLayout(dir))).toEqual([['z=zstd!']]);
  });

  it('selects an image by its ref.name tag', async () => {
    await writeOciLayout(dir, [
      imageWith({ a: '1' }, { tag: 'one' }),
      imageWith({ b: '2' }, { tag: 'two' }),
    ]);
    expect(await describeLayers(await openOciLayout(dir, 'two'))).toEqual([['b=2']]);
  });

  it('fails with TAG_NOT_FOUND listing the tags that exist', async () => {
    await writeOciLayout(dir, [
      imageWith({ a: '1' }, { tag: 'one' }),
      imageWith({ b: '2' }, { tag: 'two' }),
    ]);
    await expect(openOciLayout(dir, 'three')).rejects.toThrow(
      expect.objectContaining({
        code: 'TAG_NOT_FOUND',
        message: expect.stringContaining('available: one, two') as string,
      }) as Error,
    );
  });

  it('asks for a tag when several untagged-platform images are present', async () => {
    await writeOciLayout(dir, [
      imageWith({ a: '1' }, { tag: 'one' }),
      imageWith({ b: '2' }, { tag: 'two' }),
    ]);
    const layout = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
      manifests: Array<{ platform?: unknown }>;
    };
    for (const m of layout.manifests) delete m.platform;
    await writeFile(join(dir, 'index.json'), JSON.stringify(layout));
    await expect(openOciLayout(dir)).rejects.toThrow(/holds 2 images; name one/);
  });

  it('follows a nested index and selects the requested platform', async () => {
    const images = [
      imageWith({ arch: 'amd64' }, { platform: parsePlatform('linux/amd64') }),
      imageWith({ arch: 'arm64' }, { platform: parsePlatform('linux/arm64/v8') }),
    ];
    await writeOciLayout(dir, images, { nestIndex: true, nestedTag: 'latest' });
    const image = await openOciLayout(dir, 'latest', { platform: parsePlatform('linux/arm64') });
    expect(await describeLayers(image)).toEqual([['arch=arm64']]);
    expect(image.repoTags).toEqual(['latest']);
  });

  it('fails with PLATFORM_NOT_FOUND listing the platforms of a nested index', async () => {
    const images = [
      imageWith({ a: '1' }, { platform: parsePlatform('linux/amd64') }),
      imageWith({ b: '2' }, { platform: parsePlatform('linux/arm/v7') }),
    ];
    await writeOciLayout(dir, images, { nestIndex: true });
    await expect(
      openOciLayout(dir, undefined, { platform: parsePlatform('linux/ppc64le') }),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'PLATFORM_NOT_FOUND',
        message: expect.stringContaining('available: linux/amd64, linux/arm/v7') as string,
      }) as Error,
    );
  });

  it('refuses indexes nested deeper than maxIndexDepth', async () => {
    await writeOciLayout(dir, [imageWith({ a: '1' })], { nestIndex: true });
    await expect(
      openOciLayout(dir, undefined, { limits: { maxIndexDepth: 0 } }),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('rejects a layer blob whose content does not match its digest', async () => {
    await writeOciLayout(dir, [
      { layers: [{ entries: [{ path: 'a', content: 'original' }], compression: 'none' }] },
    ]);
    const image = await openOciLayout(dir);
    const layerFile = join(dir, 'blobs/sha256', image.layers[0]?.digest.slice(7) ?? '');
    const bytes = await readFile(layerFile);
    bytes[512] = 'O'.charCodeAt(0);
    await writeFile(layerFile, bytes);
    await expect(describeLayers(image)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('rejects a manifest listing an unknown layer media type', async () => {
    await writeOciLayout(dir, [
      {
        layers: [
          {
            entries: [{ path: 'a', content: 'x' }],
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted',
          },
        ],
      },
    ]);
    const image = await openOciLayout(dir);
    await expect(describeLayers(image)).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('refuses a directory without an oci-layout file', async () => {
    await writeOciLayout(dir, [imageWith({ a: '1' })]);
    await rm(join(dir, 'oci-layout'));
    await expect(openOciLayout(dir)).rejects.toThrow(/not an OCI layout/);
    expect(await readdir(dir)).toContain('index.json');
  });
});
