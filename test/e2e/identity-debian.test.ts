/**
 * Package identity on real Debian packages (downloaded with `apt-get download`, unpacked with
 * `dpkg-deb` into a rootfs with the dpkg status and `.list` files dpkg itself would write):
 * Maven coordinates from Debian's /usr/share/maven-repo for JARs without pom.properties,
 * urllib3's egg-info linked to python3-urllib3, and a JAR known only by its file name that the
 * report keeps without a purl instead of failing.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildZip } from '../fixtures/zip-builder.js';
import { moat } from './cli.js';
import { requireTools } from './require-tools.js';

interface ReportPackage {
  type: string;
  namespace?: string;
  name: string;
  version: string;
  purl?: string;
  path: string;
  ownedBy?: { name: string; purl?: string };
  owns?: { purl?: string }[];
}

// Debian 12 packages: two JARs Debian builds without pom.properties, and a Python library.
const debs = ['libcommons-collections3-java', 'libjzlib-java', 'python3-urllib3'];
requireTools(['apt-get', 'dpkg-deb', 'tar']);

describe('moat sbom on real Debian JARs and Python packages', () => {
  let work: string;
  let root: string;
  let packages: ReportPackage[];
  let warnings: string[];
  let code: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'moat-identity-'));
    root = join(work, 'root');
    const downloads = join(work, 'debs');
    await mkdir(downloads);
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'var/lib/dpkg/info'), { recursive: true });
    await mkdir(join(root, 'opt/app'), { recursive: true });
    await writeFile(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
    execFileSync('apt-get', ['download', ...debs], { cwd: downloads, stdio: 'ignore' });
    for (const file of await readdir(downloads)) {
      const deb = join(downloads, file);
      execFileSync('dpkg-deb', ['-x', deb, root]);
      const control = execFileSync(
        'dpkg-deb',
        ['-f', deb, 'Package', 'Version', 'Architecture', 'Source'],
        {
          encoding: 'utf8',
        },
      );
      const name = /^Package: (\S+)/m.exec(control)?.[1] ?? file;
      await appendFile(
        join(root, 'var/lib/dpkg/status'),
        `${control.trimEnd()}\nStatus: install ok installed\n\n`,
      );
      // dpkg's .list: every path of the package, `/.` for the root, no trailing slashes.
      const paths = execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile "${deb}" | tar -t`], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean)
        .map((p) => p.replace(/^\.\/?/, '/').replace(/(.)\/$/, '$1'));
      await writeFile(join(root, `var/lib/dpkg/info/${name}.list`), `${paths.join('\n')}\n`);
    }
    // A JAR no dpkg package owns, with nothing but its file name to identify it.
    await writeFile(
      join(root, 'opt/app/commons-foo-1.2.jar'),
      buildZip([{ name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\r\n\r\n' }]),
    );
    const run = await moat(['sbom', `dir:${root}`, '--format', 'json', '--quiet']);
    code = run.code;
    const report = JSON.parse(run.stdout) as { packages: ReportPackage[]; warnings: string[] };
    packages = report.packages;
    warnings = report.warnings;
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const byPath = (path: string) => packages.find((p) => p.path === path);

  it('names Debian JARs by the maven-repo pom that links to them', () => {
    expect(code).toBe(0);
    expect(byPath('/usr/share/java/commons-collections3-3.2.2.jar')?.purl).toBe(
      'pkg:maven/commons-collections/commons-collections@3.2.2',
    );
    expect(byPath('/usr/share/java/jzlib-1.1.3.jar')?.purl).toBe(
      'pkg:maven/com.jcraft/jzlib@1.1.3',
    );
  });

  it('links urllib3 and the JARs to the Debian packages that installed them', () => {
    const urllib3 = packages.find((p) => p.type === 'pypi' && p.name === 'urllib3');
    expect(urllib3?.ownedBy?.name).toBe('python3-urllib3');
    const deb = packages.find((p) => p.type === 'deb' && p.name === 'python3-urllib3');
    expect(deb?.owns?.map((o) => o.purl)).toEqual([urllib3?.purl]);
    expect(byPath('/usr/share/java/jzlib-1.1.3.jar')?.ownedBy?.name).toBe('libjzlib-java');
  });

  it('keeps a JAR known only by its file name, without a purl, and warns', () => {
    expect(code).toBe(0);
    const jar = byPath('/opt/app/commons-foo-1.2.jar');
    expect(jar).toMatchObject({ type: 'maven', name: 'commons-foo', version: '1.2' });
    expect(jar).not.toHaveProperty('purl');
    expect(warnings).toContainEqual(
      expect.stringMatching(/^\/opt\/app\/commons-foo-1\.2\.jar: maven package .* has no purl/),
    );
  });
});
