/**
 * The rpm cataloger against rpm itself: packages built with rpmbuild, installed with
 * `rpm --justdb` into a fresh SQLite database, and `rpm -qa` as the oracle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createScanContext } from '../../src/catalog/context.js';
import { catalogImage } from '../../src/catalog/inventory.js';
import { memoryImage } from '../fixtures/memory-image.js';
import { readRpmDatabase, rpmAnalyzer } from '../../src/catalog/os/index.js';
import { requireTools } from './require-tools.js';

requireTools(['rpmbuild', 'rpm']);

/** Minimal specs: one with an Epoch, one arch-specific with an SPDX licence, one with a subpackage. */
const specs: Record<string, string> = {
  'moat-alpha': `Name: moat-alpha
Version: 1.2.3
Release: 4
Epoch: 2
Summary: Test package with an epoch
License: MIT
BuildArch: noarch
%description
Test package with an epoch.
%files
`,
  'moat-beta': `Name: moat-beta
Version: 0.9~rc1
Release: 1.el9
Summary: Arch-specific test package
License: GPL-2.0-or-later AND MIT
%description
Arch-specific test package.
%files
`,
  'moat-gamma': `Name: moat-gamma
Version: 10.0
Release: 7
Summary: Test package with a subpackage
License: Apache-2.0
BuildArch: noarch
%description
Test package with a subpackage.
%package libs
Summary: Libraries of moat-gamma
%description libs
Libraries.
%files
%files libs
`,
};

const rpmQueryFormat =
  '%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{LICENSE}\\n';

describe('readRpmDatabase on a database rpm wrote (needs rpm and rpmbuild)', () => {
  let tmp = '';
  let root = '';
  const rpmFiles: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'moat-rpm-e2e-'));
    await mkdir(join(tmp, 'SPECS'), { recursive: true });
    for (const [name, spec] of Object.entries(specs)) {
      const specPath = join(tmp, 'SPECS', `${name}.spec`);
      await writeFile(specPath, spec);
      execFileSync('rpmbuild', ['-bb', '--define', `_topdir ${tmp}`, specPath], {
        stdio: 'ignore',
      });
    }
    const rpms = rpmFiles;
    for (const arch of await readdir(join(tmp, 'RPMS'))) {
      for (const file of await readdir(join(tmp, 'RPMS', arch))) {
        rpms.push(join(tmp, 'RPMS', arch, file));
      }
    }
    root = join(tmp, 'root');
    const rpm = ['--root', root, '--dbpath', '/var/lib/rpm'];
    execFileSync('rpm', [...rpm, '--initdb'], { stdio: 'ignore' });
    execFileSync(
      'rpm',
      [...rpm, '-i', '--nodeps', '--justdb', '--noscripts', '--ignorearch', '--ignoreos', ...rpms],
      { stdio: 'ignore' },
    );
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  function rpmQueryAll(): string[] {
    const out = execFileSync(
      'rpm',
      ['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', rpmQueryFormat],
      { encoding: 'utf8' },
    );
    return out.split('\n').filter(Boolean).sort();
  }

  it('lists exactly what rpm -qa lists, field by field', async () => {
    const dbPath = join(root, 'var/lib/rpm/rpmdb.sqlite');
    expect(existsSync(dbPath)).toBe(true);
    const { packages, warnings } = await readRpmDatabase(dbPath);
    const ours = packages
      .map((p) => {
        const release = String(p.metadata?.release);
        const version = p.version.replace(/^\d+:/, '').slice(0, -(release.length + 1));
        const epoch = Number(p.metadata?.epoch ?? 0);
        return [
          p.name,
          epoch,
          version,
          release,
          p.arch,
          p.metadata?.sourceRpm,
          p.licenses.join(),
        ].join('\t');
      })
      .sort();
    const oracle = rpmQueryAll();
    expect(oracle).toHaveLength(4);
    expect(ours).toEqual(oracle);
    expect(warnings).toEqual([]);
  });

  it('writes the epoch into the version and derives the source package', async () => {
    const { packages } = await readRpmDatabase(join(root, 'var/lib/rpm/rpmdb.sqlite'));
    expect(packages.find((p) => p.name === 'moat-alpha')).toMatchObject({
      version: '2:1.2.3-4',
      source: { name: 'moat-alpha', version: '1.2.3-4' },
      metadata: { epoch: 2, release: '4' },
    });
    expect(packages.find((p) => p.name === 'moat-gamma-libs')?.source).toEqual({
      name: 'moat-gamma',
      version: '10.0-7',
    });
  });

  it('reads the database file alone, as the walker spools it out of a layer', async () => {
    const spoolPath = join(tmp, 'spooled-rpmdb');
    await copyFile(join(root, 'var/lib/rpm/rpmdb.sqlite'), spoolPath);
    const result = await rpmAnalyzer.analyze(
      { path: 'var/lib/rpm/rpmdb.sqlite', size: 0, mode: 0o644, spoolPath },
      createScanContext(),
    );
    const names = rpmQueryAll().map((line) => line.split('\t')[0]);
    expect(result.packages?.map((p) => p.name).sort()).toEqual(names);
  });

  it('puts each package on the layer whose database first listed it, across rewrites', async () => {
    // Three layers as rpm leaves them: moat-alpha installed, then moat-beta added, then the
    // database rebuilt (`rpm --rebuilddb` rewrites the file, same packages).
    const layerRoot = join(tmp, 'layered');
    const rpm = ['--root', layerRoot, '--dbpath', '/var/lib/rpm'];
    const install = (name: string) =>
      execFileSync(
        'rpm',
        [
          ...rpm,
          '-i',
          '--nodeps',
          '--justdb',
          '--noscripts',
          '--ignorearch',
          '--ignoreos',
          ...rpmFiles.filter((file) => file.split('/').at(-1)?.startsWith(`${name}-`)),
        ],
        { stdio: 'ignore' },
      );
    const snapshot = () => readFile(join(layerRoot, 'var/lib/rpm/rpmdb.sqlite'));
    execFileSync('rpm', [...rpm, '--initdb'], { stdio: 'ignore' });
    install('moat-alpha');
    const first = await snapshot();
    install('moat-beta');
    const second = await snapshot();
    execFileSync('rpm', [...rpm, '--rebuilddb'], { stdio: 'ignore' });
    const third = await snapshot();
    expect(third.equals(second)).toBe(false);
    const path = 'var/lib/rpm/rpmdb.sqlite';
    const inventory = await catalogImage(
      memoryImage([
        [{ path, content: first }],
        [{ path, content: second }],
        [{ path, content: third }],
      ]),
    );
    const layerOf = Object.fromEntries(
      inventory.packages.map((p) => [p.name, Number(p.layerDigest?.[7])]),
    );
    expect(layerOf).toEqual({ 'moat-alpha': 0, 'moat-beta': 1 });
  });
});
