import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { describeLayers, imageWith, writeOciArchive } from '../../test/fixtures/image-builder.js';
import { openOciArchive } from './oci-archive.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-ociar-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openOciArchive', () => {
  it('reads an OCI layout inside a tar file without extracting it', async () => {
    const file = join(dir, 'image.tar');
    await writeOciArchive(file, [
      { layers: [[{ path: 'a', content: '1' }], [{ path: 'b/', type: 'directory' }]] },
    ]);
    const image = await openOciArchive(file);
    expect(image.transport).toBe('oci-archive');
    expect(await describeLayers(image)).toEqual([['a=1'], ['b/']]);
    await image.close();
  });

  it('selects a tagged image', async () => {
    const file = join(dir, 'image.tar');
    await writeOciArchive(file, [
      imageWith({ a: '1' }, { tag: 'one' }),
      imageWith({ b: '2' }, { tag: 'two' }),
    ]);
    expect(await describeLayers(await openOciArchive(file, 'one'))).toEqual([['a=1']]);
  });
});
