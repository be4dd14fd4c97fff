/**
 * End to end: a tiny rootfs packed by umoci into an OCI layout, then copied by skopeo into an OCI
 * archive and a docker archive, must read back with identical layer entries in all three forms.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openLocalImage } from '../../src/image/open.js';
import { resolveTarget } from '../../src/image/target.js';
import { describeLayers } from '../fixtures/image-builder.js';
import { requireTools } from './require-tools.js';

requireTools(['umoci', 'skopeo']);

describe('transports (umoci + skopeo)', () => {
  let dir: string;
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, stdio: 'pipe' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-e2e-transports-'));
    run('umoci', ['init', '--layout', 'layout']);
    run('umoci', ['new', '--image', 'layout:tiny']);
    run('umoci', ['unpack', '--rootless', '--image', 'layout:tiny', 'bundle']);
    const rootfs = join(dir, 'bundle/rootfs');
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    await writeFile(join(rootfs, 'etc/os-release'), 'ID=tiny\nVERSION_ID=1\n');
    await writeFile(join(rootfs, 'bin/hello'), '#!/bin/sh\necho hello\n');
    await chmod(join(rootfs, 'bin/hello'), 0o755);
    await symlink('hello', join(rootfs, 'bin/hi'));
    run('umoci', ['repack', '--image', 'layout:tiny', 'bundle']);
    run('skopeo', ['copy', '--quiet', 'oci:layout:tiny', 'oci-archive:image-oci.tar:tiny']);
    run('skopeo', [
      'copy',
      '--quiet',
      'oci:layout:tiny',
      'docker-archive:image-docker.tar:tiny:latest',
    ]);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function layersOf(target: string): Promise<string[][]> {
    const image = await openLocalImage(await resolveTarget(target));
    try {
      return await describeLayers(image);
    } finally {
      await image.close();
    }
  }

  it('reads the same entries from oci, oci-archive and docker-archive forms', async () => {
    const oci = await layersOf(`oci:${join(dir, 'layout')}:tiny`);
    expect(oci.flat()).toEqual(
      expect.arrayContaining(['etc/os-release=ID=tiny\nVERSION_ID=1\n', 'bin/hi -> hello']),
    );
    expect(await layersOf(`oci-archive:${join(dir, 'image-oci.tar')}:tiny`)).toEqual(oci);
    expect(await layersOf(join(dir, 'image-docker.tar'))).toEqual(oci);
  });
});
