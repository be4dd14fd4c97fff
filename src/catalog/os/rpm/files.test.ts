import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { Package } from '../../types.js';
import { linkOsOwnedPackages } from '../dpkg-files.js';
import { readRpmDatabase } from './database.js';

const folder = join(
  import.meta.dirname,
  '../../../../test/fixtures/data/rpmdb/sqlite-cbl-mariner-2.0',
);

describe('rpm file lists', () => {
  it('are read from each header exactly as `rpm -ql` lists them', async () => {
    const { ownedFiles } = await readRpmDatabase(join(folder, 'rpmdb.sqlite'));
    const bash = ownedFiles.find((o) => o.name === 'bash');
    const oracle = readFileSync(join(folder, 'files-bash.txt'), 'utf8').split('\n').filter(Boolean);
    expect(bash).toEqual({ type: 'rpm', name: 'bash', arch: 'x86_64', paths: oracle });
    // `rpm -qal` of the whole database lists 7,269 files (one package has none).
    expect(ownedFiles.reduce((n, o) => n + o.paths.length, 0)).toBe(7269);
  });

  it('link a language package an rpm installed to that rpm', () => {
    const rpm: Package = {
      type: 'rpm',
      name: 'python3-urllib3',
      version: '1.26.18-1.el9',
      arch: 'noarch',
      purl: 'pkg:rpm/redhat/python3-urllib3@1.26.18-1.el9?arch=noarch',
      licenses: [],
      path: '/var/lib/rpm/rpmdb.sqlite',
    };
    const metadata = '/usr/lib/python3.9/site-packages/urllib3-1.26.18.dist-info/METADATA';
    const pypi: Package = {
      type: 'pypi',
      name: 'urllib3',
      version: '1.26.18',
      purl: 'pkg:pypi/urllib3@1.26.18',
      licenses: [],
      path: metadata,
    };
    const files = [
      {
        result: [
          {
            ownedFiles: [
              { type: 'rpm' as const, name: 'python3-urllib3', arch: 'noarch', paths: [metadata] },
            ],
          },
        ],
      },
    ];
    linkOsOwnedPackages([rpm, pypi], files, (path) => path.slice(1));
    expect(pypi.ownedBy).toEqual({
      type: 'rpm',
      name: 'python3-urllib3',
      version: '1.26.18-1.el9',
      purl: rpm.purl,
    });
    expect(rpm.owns).toEqual([
      { type: 'pypi', name: 'urllib3', version: '1.26.18', purl: pypi.purl },
    ]);
  });
});
