import { describe, expect, it } from 'vitest';

import { memoryImage, type MemoryEntry } from '../../../test/fixtures/memory-image.js';
import { catalogImage } from '../inventory.js';
import { parseDpkgFileList } from './dpkg-files.js';

const egg = 'usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info';
const status = [
  'Package: python3-urllib3',
  'Status: install ok installed',
  'Architecture: all',
  'Source: python-urllib3',
  'Version: 1.26.12-1+deb12u4',
  '',
].join('\n');
const pkgInfo = 'Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.12\nLicense: MIT\n';
// As dpkg writes it for Debian 12's python3-urllib3 (first lines of `dpkg-deb --contents`).
const list = ['/.', '/usr', '/usr/lib', '/usr/lib/python3', `/${egg}`, `/${egg}/PKG-INFO`, ''].join(
  '\n',
);
const osRelease = { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' };
const pipMetadata = {
  path: 'usr/local/lib/python3.11/site-packages/pip-23.0.dist-info/METADATA',
  content: 'Metadata-Version: 2.1\nName: pip\nVersion: 23.0\n',
};

async function links(entries: MemoryEntry[]) {
  const inventory = await catalogImage(memoryImage([entries]));
  return inventory.packages.map((p) => ({
    purl: p.purl,
    ...(p.ownedBy ? { ownedBy: p.ownedBy.purl } : {}),
    ...(p.owns ? { owns: p.owns.map((o) => o.purl) } : {}),
  }));
}

const deb = 'pkg:deb/debian/python3-urllib3@1.26.12-1+deb12u4?arch=all&distro=debian-12';

describe('language packages an OS package installed', () => {
  it('are linked both ways to the dpkg package whose .list names their file', async () => {
    expect(
      await links([
        osRelease,
        { path: 'var/lib/dpkg/status', content: status },
        { path: 'var/lib/dpkg/info/python3-urllib3.list', content: list },
        { path: `${egg}/PKG-INFO`, content: pkgInfo },
        pipMetadata,
      ]),
    ).toEqual([
      { purl: deb, owns: ['pkg:pypi/urllib3@1.26.12'] },
      { purl: 'pkg:pypi/pip@23.0' },
      { purl: 'pkg:pypi/urllib3@1.26.12', ownedBy: deb },
    ]);
  });

  it('are linked in distroless images through status.d md5sums', async () => {
    expect(
      await links([
        osRelease,
        { path: 'var/lib/dpkg/status.d/python3-urllib3', content: status },
        {
          path: 'var/lib/dpkg/status.d/python3-urllib3.md5sums',
          content: `0123456789abcdef0123456789abcdef  ${egg}/PKG-INFO\n`,
        },
        { path: `${egg}/PKG-INFO`, content: pkgInfo },
      ]),
    ).toEqual([
      { purl: deb, owns: ['pkg:pypi/urllib3@1.26.12'] },
      { purl: 'pkg:pypi/urllib3@1.26.12', ownedBy: deb },
    ]);
  });

  it('are found through symbolic links: /lib listed by dpkg, usr/lib walked (merged /usr)', async () => {
    const arch = status.replace('Architecture: all', 'Architecture: amd64');
    expect(
      await links([
        osRelease,
        { path: 'lib', type: 'symlink', linkTarget: 'usr/lib' },
        { path: 'var/lib/dpkg/status', content: arch },
        {
          path: 'var/lib/dpkg/info/python3-urllib3:amd64.list',
          content: `/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO\n`,
        },
        { path: `${egg}/PKG-INFO`, content: pkgInfo },
      ]),
    ).toEqual([
      {
        purl: deb.replace('arch=all', 'arch=amd64'),
        owns: ['pkg:pypi/urllib3@1.26.12'],
      },
      { purl: 'pkg:pypi/urllib3@1.26.12', ownedBy: deb.replace('arch=all', 'arch=amd64') },
    ]);
  });

  it('are not linked when the list names an OS package the status does not have', async () => {
    expect(
      await links([
        osRelease,
        { path: 'var/lib/dpkg/info/python3-urllib3.list', content: list },
        { path: `${egg}/PKG-INFO`, content: pkgInfo },
      ]),
    ).toEqual([{ purl: 'pkg:pypi/urllib3@1.26.12' }]);
  });
});

describe('parseDpkgFileList', () => {
  it('reads .list and md5sums lines, skipping /. and malformed md5sums lines', () => {
    expect(parseDpkgFileList('/.\n/usr\n/usr/bin/x\n', false)).toEqual(['/usr', '/usr/bin/x']);
    expect(
      parseDpkgFileList('0123456789abcdef0123456789abcdef  usr/bin/x\r\nnot a sum\n', true),
    ).toEqual(['/usr/bin/x']);
  });
});
