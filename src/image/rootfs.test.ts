import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { describeLayers } from '../../test/fixtures/image-builder.js';
import { openRootfs } from './rootfs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-rootfs-'));
  await mkdir(join(dir, 'etc'));
  await writeFile(join(dir, 'etc/os-release'), 'ID=dir\n');
  await symlink('/etc/passwd', join(dir, 'passwd-link'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openRootfs', () => {
  it('yields one layer of entries, reporting symlinks without following them', async () => {
    const image = await openRootfs(dir);
    expect(await describeLayers(image)).toEqual([
      ['etc/', 'passwd-link -> /etc/passwd', 'etc/os-release=ID=dir\n'],
    ]);
    expect(image.layers[0]?.digest).toBe(`dir:${dir}`);
    expect(image.config).toEqual({});
    expect(image.repoTags).toEqual([]);
  });

  it('reports the second name of a hard-linked file as a hard link to the first', async () => {
    await writeFile(join(dir, 'tool'), 'binary');
    await link(join(dir, 'tool'), join(dir, 'etc/tool-copy'));
    const [entries = []] = await describeLayers(await openRootfs(dir));
    expect(entries.filter((entry) => entry.includes('tool'))).toEqual([
      'tool=binary',
      'etc/tool-copy => tool',
    ]);
  });

  it('enforces the entry limit', async () => {
    const image = await openRootfs(dir, { limits: { maxLayerEntries: 2 } });
    await expect(describeLayers(image)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('refuses a path that is not a directory', async () => {
    await expect(openRootfs(join(dir, 'etc/os-release'))).rejects.toMatchObject({
      code: 'TARGET_INVALID',
    });
  });
});
