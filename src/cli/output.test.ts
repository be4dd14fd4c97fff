/**
 * `--output` as a user meets it: it never overwrites an input of the same command (B10), it is
 * written whole or not at all, and a file the environment will not let Moat write is one line
 * and exit 2, never a stack (B11).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { writeDockerArchive } from '../../test/fixtures/image-builder.js';
import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { writeScanDb } from '../__fixtures__/scan-image.js';
import { vulnDbPath } from '../util/cache-paths.js';

const dpkgStatus = 'Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n';

let dir: string;
let archive: string;
let archiveBytes: Buffer;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-output-'));
  archive = join(dir, 'image.tar');
  await writeDockerArchive(archive, [
    { tag: 'a:1', layers: [[{ path: 'var/lib/dpkg/status', content: dpkgStatus }]] },
  ]);
  archiveBytes = await readFile(archive);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Exit 2, one line on stderr naming `paths`, nothing on stdout. */
function expectRefused(
  result: { code: number; stdout: string; stderr: string },
  ...paths: string[]
) {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toContain('    at ');
  for (const path of paths) expect(result.stderr).toContain(path);
}

describe('--output never overwrites an input', () => {
  it('refuses the target archive itself, leaving it intact', async () => {
    const result = await run(['sbom', `docker-archive:${archive}`, '-f', 'json', '-o', archive]);
    expectRefused(result, archive);
    expect(await readFile(archive)).toEqual(archiveBytes);
  });

  it('refuses the target reached through a symbolic link, a hard link or a bare path', async () => {
    const viaSymlink = join(dir, 'alias.tar');
    await symlink(archive, viaSymlink);
    const viaHardLink = join(dir, 'hard.tar');
    await link(archive, viaHardLink);
    for (const out of [viaSymlink, viaHardLink, `${dir}/./image.tar`]) {
      expectRefused(await run(['sbom', archive, '-f', 'json', '-o', out]), out);
    }
    expect(await readFile(archive)).toEqual(archiveBytes);
  });

  it('refuses a path inside a dir: target', async () => {
    const root = join(dir, 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    const out = join(root, 'etc', 'sbom.json');
    expectRefused(await run(['sbom', `dir:${root}`, '-f', 'json', '-o', out]), out, root);
  });

  it('refuses the ignore file, a VEX document and the database of moat scan', async () => {
    const cacheDir = join(dir, 'cache');
    await writeScanDb(cacheDir);
    const ignore = join(dir, 'ignore.yaml');
    const vex = join(dir, 'vex.json');
    await writeFile(ignore, 'vulnerabilities: []\n');
    await writeFile(vex, '{}');
    const db = vulnDbPath(cacheDir);
    const dbBytes = await readFile(db);
    const scan = ['scan', archive, '--cache-dir', cacheDir, '--offline', '-f', 'json'];
    expectRefused(await run([...scan, '--ignorefile', ignore, '-o', ignore]), ignore);
    expectRefused(await run([...scan, '--vex', vex, '-o', vex]), vex);
    expectRefused(await run([...scan, '-o', db]), db);
    expect(await readFile(ignore, 'utf8')).toBe('vulnerabilities: []\n');
    expect(await readFile(vex, 'utf8')).toBe('{}');
    expect(await readFile(db)).toEqual(dbBytes);
  });

  it('refuses the database and the key of moat db export', async () => {
    const cacheDir = join(dir, 'cache');
    await writeScanDb(cacheDir);
    const key = join(dir, 'private.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const db = vulnDbPath(cacheDir);
    const dbBytes = await readFile(db);
    const exportTo = (out: string) =>
      run(['db', 'export', '--cache-dir', cacheDir, '--key', key, '-o', out]);
    expectRefused(await exportTo(db), db);
    expectRefused(await exportTo(key), key);
    expect(await readFile(db)).toEqual(dbBytes);
  });
});

describe('--output is written whole or not at all', () => {
  it('replaces an existing file and leaves no temporary file beside it', async () => {
    const out = join(dir, 'out', 'sbom.json');
    await mkdir(join(dir, 'out'));
    await writeFile(out, 'old');
    const result = await run(['sbom', archive, '-f', 'json', '-o', out]);
    expect(result.code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toHaveProperty('packages');
    expect(await readdir(join(dir, 'out'))).toEqual(['sbom.json']);
  });

  it('exits 2 with one line when the directory of the output does not exist', async () => {
    const out = join(dir, 'missing', 'sbom.json');
    const result = await run(['sbom', archive, '-f', 'json', '-o', out]);
    expectRefused(result, out, 'no such file or directory');
  });

  it('exits 2 with one line when the output is a directory', async () => {
    const result = await run(['sbom', archive, '-f', 'json', '-o', dir]);
    expectRefused(result, dir, 'is a directory');
    expect(await readFile(archive)).toEqual(archiveBytes);
  });

  it('exits 2 with one line on a full disk (/dev/full)', async () => {
    const result = await run(['sbom', archive, '-f', 'json', '-o', '/dev/full']);
    expectRefused(result, '/dev/full', 'no space left on device');
  });

  it('exits 2 with one line when permission is denied (/sys refuses even root)', async () => {
    const result = await run(['sbom', archive, '-f', 'json', '-o', '/sys/moat-sbom.json']);
    expectRefused(result, '/sys/moat-sbom.json', 'permission denied');
  });
});

/** A read-only tmpfs mounted for the test (the tests run as root, for whom chmod stops nothing). */
function mountReadOnly(at: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', at], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('a read-only file system', () => {
  it('is exit 2 with one line naming the output, and nothing is written', async () => {
    const ro = join(dir, 'ro');
    await mkdir(ro);
    const mounted = mountReadOnly(ro);
    if (!mounted) await import('node:fs/promises').then((fs) => fs.chmod(ro, 0o555));
    try {
      const out = join(ro, 'sbom.json');
      const result = await run(['sbom', archive, '-f', 'json', '-o', out]);
      expectRefused(result, out);
      expect(result.stderr).toMatch(/read-only file system|permission denied/);
      expect(await readdir(ro)).toEqual([]);
    } finally {
      if (mounted) execFileSync('umount', [ro]);
    }
  });
});

describe('an environment error outside --output', () => {
  it('is exit 2 with one line naming the path, for a cache directory Moat may not create', async () => {
    const records = join(dir, 'records');
    await mkdir(records);
    await writeFile(join(records, 'r.json'), '{}');
    const cacheDir = '/sys/moat-cache';
    const result = await run(['db', 'import', records, '--cache-dir', cacheDir, '-q']);
    expectRefused(result, cacheDir);
    expect(result.stderr).toMatch(
      /^moat: cannot create \/sys\/moat-cache: (permission denied|operation not permitted)\n$/,
    );
  });
});
