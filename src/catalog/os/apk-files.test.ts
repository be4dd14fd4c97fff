import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { memoryImage } from '../../../test/fixtures/memory-image.js';
import { catalogImage } from '../inventory.js';
import { parseApkFileLists } from './apk-files.js';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/data/apk');

describe('parseApkFileLists on a real Alpine database (test/fixtures/data/apk)', () => {
  it('lists every R: file under its F: directory, per package', () => {
    const lists = parseApkFileLists(readFileSync(join(fixtures, 'installed'), 'utf8'));
    expect(lists.reduce((n, l) => n + l.paths.length, 0)).toBe(109);
    expect(lists.find((l) => l.paths.includes('/etc/motd'))?.name).toBe('alpine-baselayout');
  });
});

describe('a Python package an apk installed', () => {
  it('is linked to that apk', async () => {
    const dist = 'usr/lib/python3.11/site-packages/urllib3-1.26.18.dist-info';
    const installed = [
      'P:py3-urllib3',
      'V:1.26.18-r0',
      'A:noarch',
      'o:py3-urllib3',
      `F:${dist}`,
      'R:METADATA',
      'R:RECORD',
      '',
    ].join('\n');
    const inventory = await catalogImage(
      memoryImage([
        [
          { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
          { path: 'lib/apk/db/installed', content: installed },
          {
            path: `${dist}/METADATA`,
            content: 'Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.18\n',
          },
        ],
      ]),
    );
    const pypi = inventory.packages.find((p) => p.type === 'pypi');
    expect(pypi?.ownedBy).toMatchObject({
      type: 'apk',
      name: 'py3-urllib3',
      version: '1.26.18-r0',
    });
    expect(inventory.packages.find((p) => p.type === 'apk')?.owns).toEqual([
      { type: 'pypi', name: 'urllib3', version: '1.26.18', purl: 'pkg:pypi/urllib3@1.26.18' },
    ]);
  });
});
