import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { apkAnalyzer, parseApkInstalled, splitApkLicense } from './apk.js';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/data/apk');

describe('parseApkInstalled on a real Alpine database (test/fixtures/data/apk)', () => {
  // Read inside the tests: vitest runs a skipped describe's body too.
  let parsed: ReturnType<typeof parseApkInstalled> | undefined;
  const real = () =>
    (parsed ??= parseApkInstalled(readFileSync(join(fixtures, 'installed'), 'utf8')));

  it('lists exactly the packages of expected.tsv: name, version, arch, origin', () => {
    const expected = readFileSync(join(fixtures, 'expected.tsv'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .sort();
    const ours = real().packages.map((p) => [p.name, p.version, p.arch, p.source?.name].join('\t'));
    expect(ours.sort()).toEqual(expected);
    expect(real().warnings).toEqual([]);
  });

  it('reads licences and gives the source the binary version', () => {
    expect(real().packages.find((p) => p.name === 'ca-certificates-bundle')).toMatchObject({
      licenses: ['MPL-2.0', 'MIT'],
      source: { name: 'ca-certificates', version: '20230506-r0' },
    });
  });
});

describe('parseApkInstalled', () => {
  it('reads blocks separated by blank lines, ignoring file entries', () => {
    const text =
      'P:musl\nV:1.2.4-r2\nA:aarch64\nL:MIT\no:musl\nF:lib\nR:ld-musl.so.1\n\nP:zlib\nV:1.3-r0\n';
    expect(parseApkInstalled(text).packages).toEqual([
      {
        name: 'musl',
        version: '1.2.4-r2',
        type: 'apk',
        arch: 'aarch64',
        licenses: ['MIT'],
        source: { name: 'musl', version: '1.2.4-r2' },
      },
      {
        name: 'zlib',
        version: '1.3-r0',
        type: 'apk',
        licenses: [],
        source: { name: 'zlib', version: '1.3-r0' },
      },
    ]);
  });

  it('warns about an empty database instead of failing', () => {
    expect(parseApkInstalled('')).toEqual({
      packages: [],
      warnings: ['/lib/apk/db/installed: no apk package found'],
    });
  });

  it('skips a block without a version, naming file and line', () => {
    const result = parseApkInstalled('P:ok\nV:1-r0\n\nP:broken\nA:x86_64\n');
    expect(result.packages.map((p) => p.name)).toEqual(['ok']);
    expect(result.warnings).toEqual(['/lib/apk/db/installed:4: block without P: or V: skipped']);
  });

  it('wants only lib/apk/db/installed', () => {
    expect(apkAnalyzer.wants({ path: 'lib/apk/db/installed', size: 1, mode: 0o644 })).toBe(true);
    expect(apkAnalyzer.wants({ path: 'lib/apk/db/scripts.tar', size: 1, mode: 0o644 })).toBe(false);
  });
});

describe('splitApkLicense', () => {
  it('splits SPDX AND/OR expressions and the older space-separated lists', () => {
    expect(splitApkLicense('MIT AND BSD-2-Clause AND GPL-2.0-or-later')).toEqual([
      'MIT',
      'BSD-2-Clause',
      'GPL-2.0-or-later',
    ]);
    expect(splitApkLicense('(MIT OR Apache-2.0)')).toEqual(['MIT', 'Apache-2.0']);
    expect(splitApkLicense('GPL-2.0 LGPL-2.1')).toEqual(['GPL-2.0', 'LGPL-2.1']);
  });

  it('keeps an exception with its licence', () => {
    expect(splitApkLicense('GPL-2.0-or-later WITH Classpath-exception-2.0')).toEqual([
      'GPL-2.0-or-later WITH Classpath-exception-2.0',
    ]);
  });
});
