/**
 * `moat sbom` as a user meets it, on small images built by the test: what it prints and its
 * exit code for good input and for each kind of bad input the SBOM issue names.
 */
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { writeDockerArchive, writeOciLayout } from '../../test/fixtures/image-builder.js';
import { buildRawLayerLayout } from '../../test/fixtures/raw-layout.js';
import { gzip, rawTarHeader } from '../../test/fixtures/tar-builder.js';
import { runInProcess } from '../../test/fixtures/run-in-process.js';

const dpkgStatus = [
  'Package: base-files',
  'Status: install ok installed',
  'Architecture: amd64',
  'Version: 12.4+deb12u5',
  '',
  'Package: libc6',
  'Status: install ok installed',
  'Architecture: amd64',
  'Source: glibc',
  'Version: 2.36-9+deb12u7',
  '',
].join('\n');
const osRelease = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = runInProcess;

function packagesOf(stdout: string): string[] {
  const report = JSON.parse(stdout) as { packages: { purl: string }[] };
  return report.packages.map((p) => p.purl);
}

const debianPurls = [
  'pkg:deb/debian/base-files@12.4+deb12u5?arch=amd64&distro=debian-12',
  'pkg:deb/debian/libc6@2.36-9+deb12u7?arch=amd64&distro=debian-12',
];

describe('moat sbom', () => {
  it('lists the packages of a docker archive as JSON', async () => {
    const archive = join(dir, 'image.tar');
    await writeDockerArchive(archive, [
      {
        tag: 'example/app:1',
        layers: [
          [
            { path: 'usr/lib/os-release', content: osRelease },
            { path: 'etc/os-release', type: 'symlink', linkTarget: '../usr/lib/os-release' },
            { path: 'var/lib/dpkg/status', content: dpkgStatus },
          ],
        ],
      },
    ]);
    const result = await run(['sbom', `docker-archive:${archive}`, '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(packagesOf(result.stdout)).toEqual(debianPurls);
  });

  it('reports lockfile-only dev dependencies only with --include-dev-deps', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'app'), { recursive: true });
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'app' },
        'node_modules/left-pad': { version: '1.3.0' },
        'node_modules/vitest': { version: '1.0.0', dev: true },
      },
    };
    await writeFile(join(root, 'app/package-lock.json'), JSON.stringify(lock));
    const names = async (...flags: string[]) => {
      const result = await run(['sbom', `dir:${root}`, '--format', 'json', '--no-cache', ...flags]);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { packages: { name: string; dev?: true }[] };
      return report.packages.map((p) => `${p.name}${p.dev ? ' (dev)' : ''}`);
    };
    expect(await names()).toEqual(['left-pad']);
    expect(await names('--include-dev-deps')).toEqual(['left-pad', 'vitest (dev)']);
  });

  it('writes to --output instead of stdout', async () => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [
      { tag: 'v1', layers: [[{ path: 'var/lib/dpkg/status', content: dpkgStatus }]] },
    ]);
    const out = join(dir, 'sbom.json');
    const result = await run(['sbom', `oci:${layout}:v1`, '-f', 'cyclonedx-json', '-o', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const bom = JSON.parse(await readFile(out, 'utf8')) as {
      bomFormat: string;
      specVersion: string;
    };
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
  });

  it('fails with exit 2 and one line naming the file for a truncated archive', async () => {
    const archive = join(dir, 'image.tar');
    await writeDockerArchive(archive, [
      { tag: 'a:1', layers: [[{ path: 'var/lib/dpkg/status', content: dpkgStatus.repeat(50) }]] },
    ]);
    await truncate(archive, 3000);
    const result = await run(['sbom', `docker-archive:${archive}`, '--format', 'json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(archive);
  });

  it('fails with exit 2 when a layer blob does not match its digest', async () => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [
      {
        tag: 'v1',
        layers: [{ entries: [{ path: 'a.txt', content: 'original' }], compression: 'none' }],
      },
    ]);
    // Same length, different bytes: only the digest can tell.
    const blobs = join(layout, 'blobs', 'sha256');
    for (const name of await readdir(blobs)) {
      const bytes = await readFile(join(blobs, name));
      const at = bytes.indexOf('original');
      if (at > 0) {
        bytes.write('tampered', at);
        await writeFile(join(blobs, name), bytes);
      }
    }
    const result = await run(['sbom', `oci:${layout}:v1`]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/digest/);
  });

  it('fails with exit 2 on a tar header that claims terabytes', async () => {
    const bomb = Buffer.concat([
      rawTarHeader({ path: 'huge.bin', size: 4 * 1024 ** 4 }),
      Buffer.alloc(1024),
    ]);
    const layout = join(dir, 'layout');
    await buildRawLayerLayout(layout, 'v1', gzip(bomb));
    const result = await run(['sbom', `oci:${layout}:v1`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/huge\.bin.*limit/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails with exit 2 on an unknown layer media type', async () => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [
      {
        tag: 'v1',
        layers: [{ entries: [{ path: 'a', content: 'a' }], mediaType: 'application/x-mystery' }],
      },
    ]);
    const result = await run(['sbom', `oci:${layout}:v1`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('application/x-mystery');
  });

  it('skips entries escaping the root with a warning and still lists the rest', async () => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [
      {
        tag: 'v1',
        layers: [
          [
            { path: 'usr/lib/os-release', content: osRelease },
            { path: 'var/lib/dpkg/status', content: dpkgStatus },
            { path: 'x/../../../etc/evil', content: 'owned' },
          ],
        ],
      },
    ]);
    const result = await run(['sbom', `oci:${layout}:v1`, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(packagesOf(result.stdout)).toEqual(debianPurls);
    expect(result.stderr).toMatch(/^moat: warning: .*unsafe path.*etc\/evil/m);
  });

  it('warns about a malformed package database and keeps the good packages', async () => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [
      {
        tag: 'v1',
        layers: [
          [
            { path: 'var/lib/dpkg/status', content: dpkgStatus },
            { path: 'var/lib/rpm/rpmdb.sqlite', content: 'SQLite format 3\0 but not really' },
          ],
        ],
      },
    ]);
    const result = await run(['sbom', `oci:${layout}:v1`, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(packagesOf(result.stdout)).toHaveLength(2);
    expect(result.stderr).toMatch(/warning: .*var\/lib\/rpm\/rpmdb\.sqlite/);
  });

  it('never follows a root filesystem symlink to a file outside the root', async () => {
    const outside = join(dir, 'outside');
    const rootfs = join(dir, 'rootfs');
    await mkdir(outside);
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await mkdir(join(rootfs, 'var/lib/dpkg'), { recursive: true });
    await writeFile(join(outside, 'os-release'), 'ID=evil\nVERSION_ID=666\n');
    await writeFile(join(outside, 'status'), dpkgStatus);
    await symlink(join(outside, 'os-release'), join(rootfs, 'etc/os-release'));
    await symlink(join(outside, 'status'), join(rootfs, 'var/lib/dpkg/status'));
    const result = await run(['sbom', `dir:${rootfs}`, '--format', 'json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { artifact: { os: unknown }; packages: unknown[] };
    expect(report.artifact.os).toBeNull();
    expect(report.packages).toEqual([]);
  });

  it('leaves nothing behind in the temp directory, even after spooling archives', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'moat-tmp-'));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = temp;
    try {
      const layout = join(dir, 'layout');
      await writeOciLayout(layout, [
        {
          tag: 'v1',
          layers: [[{ path: 'var/lib/rpm/rpmdb.sqlite', content: 'SQLite format 3\0 broken' }]],
        },
      ]);
      const result = await run(['sbom', `oci:${layout}:v1`, '--format', 'json']);
      expect(result.code).toBe(0);
      expect(await readdir(temp)).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      await rm(temp, { recursive: true, force: true });
    }
  });
});
