/**
 * The layer cache on a full disk (B11): the write that fails turns the cache off for the rest of
 * the run with one warning; the command completes. The disk is a real 64 KiB tmpfs filled by the
 * test (the tests run as root, as CI does).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { writeDockerArchive } from '../../test/fixtures/image-builder.js';
import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { layerCachePath } from '../util/cache-paths.js';

let dir: string;
let disk: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-layer-cache-'));
  disk = join(dir, 'disk');
  await mkdir(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
});
afterEach(async () => {
  execFileSync('umount', [disk]);
  await rm(dir, { recursive: true, force: true });
});

/** Fills the file system of `path` until it refuses another byte. */
async function fill(path: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await writeFile(join(path, `filler-${i}`), Buffer.alloc(4096, 1));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw error;
    }
  }
}

describe('a full disk under the layer cache', () => {
  it('turns the cache off with one warning, and the sbom completes', async () => {
    const archive = join(dir, 'image.tar');
    const status = (name: string) =>
      `Package: ${name}\nStatus: install ok installed\nVersion: 1\n\n`;
    await writeDockerArchive(archive, [
      {
        tag: 'a:1',
        layers: [
          [{ path: 'var/lib/dpkg/status', content: status('one') }],
          [{ path: 'var/lib/dpkg/status', content: status('one') + status('two') }],
        ],
      },
    ]);
    await mkdir(layerCachePath(disk), { recursive: true });
    await fill(disk);
    const result = await run(['sbom', archive, '-f', 'json', '--cache-dir', disk]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { packages: { name: string }[] };
    expect(report.packages.map((p) => p.name)).toEqual(['one', 'two']);
    const warnings = result.stderr.trim().split('\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^moat: warning: layer cache .* turned off for this run: .*ENOSPC/);
    expect((await readdir(layerCachePath(disk))).filter((name) => name.endsWith('.tmp'))).toEqual(
      [],
    );
  });
});
