import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  imageWith,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
} from '../../test/fixtures/image-builder.js';
import { tarOf } from '../../test/fixtures/tar-builder.js';
import { parseTarget, resolveTarget } from './target.js';

describe('parseTarget', () => {
  it.each([
    ['docker-archive:img.tar', { transport: 'docker-archive', path: 'img.tar' }],
    [
      'docker-archive:img.tar:repo/app:1.0',
      { transport: 'docker-archive', path: 'img.tar', ref: 'repo/app:1.0' },
    ],
    ['oci:./layout:v1', { transport: 'oci', path: './layout', tag: 'v1' }],
    ['oci-archive:/x/a.tar', { transport: 'oci-archive', path: '/x/a.tar' }],
    ['dir:/srv/root', { transport: 'dir', path: '/srv/root' }],
    [
      'docker://registry.example:5000/app@sha256:abc',
      { transport: 'registry', reference: 'registry.example:5000/app@sha256:abc' },
    ],
    ['alpine:3.20', { transport: 'registry', reference: 'alpine:3.20' }],
  ])('parses %s', (target, spec) => {
    expect(parseTarget(target)).toEqual(spec);
  });

  it('rejects a transport prefix without a path', () => {
    expect(() => parseTarget('oci:')).toThrow(expect.objectContaining({ code: 'USAGE' }) as Error);
  });
});

describe('resolveTarget', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-target-'));
    await writeDockerArchive(join(dir, 'docker.tar'), [imageWith({ a: '1' })]);
    await writeOciArchive(join(dir, 'oci.tar'), [imageWith({ a: '1' })]);
    await writeOciLayout(join(dir, 'layout'), [imageWith({ a: '1' })]);
    await mkdir(join(dir, 'rootfs'));
    await writeFile(join(dir, 'other.tar'), await tarOf([{ path: 'x', content: 'y' }]));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('detects a docker archive by its manifest.json', async () => {
    expect((await resolveTarget(join(dir, 'docker.tar'))).transport).toBe('docker-archive');
  });

  it('detects an OCI archive by its oci-layout member', async () => {
    expect((await resolveTarget(join(dir, 'oci.tar'))).transport).toBe('oci-archive');
  });

  it('detects an OCI layout directory and a plain rootfs directory', async () => {
    expect((await resolveTarget(join(dir, 'layout'))).transport).toBe('oci');
    expect((await resolveTarget(join(dir, 'rootfs'))).transport).toBe('dir');
  });

  it('refuses a tar that is neither kind of archive', async () => {
    await expect(resolveTarget(join(dir, 'other.tar'))).rejects.toMatchObject({
      code: 'TARGET_INVALID',
    });
  });

  it('fails with TARGET_NOT_FOUND for a missing file', async () => {
    await expect(resolveTarget(join(dir, 'missing.tar'))).rejects.toMatchObject({
      code: 'TARGET_NOT_FOUND',
    });
    await expect(resolveTarget(`docker-archive:${join(dir, 'nope.tar')}`)).rejects.toMatchObject({
      code: 'TARGET_NOT_FOUND',
    });
  });

  it('treats a bare name that is not on disk as a registry reference', async () => {
    expect(await resolveTarget('library/alpine:3.20')).toEqual({
      transport: 'registry',
      reference: 'library/alpine:3.20',
    });
  });
});
