import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildZip } from '../../test/fixtures/zip-builder.js';
import { json, osvRecord, tempDir } from './__fixtures__/osv.js';
import { openVulnDb } from './database.js';
import { importOsv } from './import.js';

let dir: string;
let cleanup: () => Promise<void>;
let dbPath: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  dbPath = join(dir, 'cache', 'db', 'moat-vuln.db');
});
afterEach(() => cleanup());

function ids(ecosystem: string, name: string): string[] {
  const db = openVulnDb(dbPath);
  try {
    return db.advisoriesFor(ecosystem, name).map((record) => record.id);
  } finally {
    db.close();
  }
}

async function writeZip(name: string, records: Record<string, unknown>[]): Promise<string> {
  const path = join(dir, name);
  const entries = records.map((record) => ({
    name: `${String(record.id)}.json`,
    data: json(record),
    method: 'deflate' as const,
  }));
  await writeFile(path, buildZip(entries));
  return path;
}

describe('importOsv', () => {
  it('imports the records of an osv.dev all.zip and finds them by package', async () => {
    const zip = await writeZip('all.zip', [
      osvRecord('DSA-1', 'Debian:12', 'openssl'),
      osvRecord('DSA-2', 'Debian:12', 'glibc'),
    ]);
    const summary = await importOsv(dbPath, [zip]);
    expect(summary).toMatchObject({ records: 2, inserted: 2, skipped: 0 });
    expect(ids('Debian:12', 'openssl')).toEqual(['DSA-1']);
  });

  it('reads a directory tree of JSON records and ignores hidden directories', async () => {
    const tree = join(dir, 'advisory-database');
    await mkdir(join(tree, 'advisories/github-reviewed/2024/01/GHSA-aaaa'), { recursive: true });
    await mkdir(join(tree, '.git'), { recursive: true });
    await writeFile(
      join(tree, 'advisories/github-reviewed/2024/01/GHSA-aaaa/GHSA-aaaa.json'),
      json(osvRecord('GHSA-aaaa', 'npm', 'lodash')),
    );
    await writeFile(join(tree, '.git/broken.json'), '{');
    await writeFile(join(tree, 'README.md'), '# not a record');
    const summary = await importOsv(dbPath, [tree]);
    expect(summary).toMatchObject({ records: 1, skipped: 0 });
    expect(ids('npm', 'lodash')).toEqual(['GHSA-aaaa']);
  });

  it('reads YAML OSV and finds PyPI packages by their PEP 503 name', async () => {
    const file = join(dir, 'PYSEC-2024-1.yaml');
    await writeFile(
      file,
      [
        'id: PYSEC-2024-1',
        'modified: 2024-02-01T00:00:00Z',
        'affected:',
        '- package:',
        '    ecosystem: PyPI',
        '    name: Django_Rest.Framework',
        '  ranges:',
        '  - type: ECOSYSTEM',
        '    events:',
        '    - introduced: "0"',
        '    - fixed: "3.15"',
        '',
      ].join('\n'),
    );
    await importOsv(dbPath, [file]);
    expect(ids('PyPI', 'django-rest-framework')).toEqual(['PYSEC-2024-1']);
  });

  it('finds records of the exact ecosystem and of its release-less family, not other releases', async () => {
    const zip = await writeZip('all.zip', [
      osvRecord('A', 'Debian:12', 'curl'),
      osvRecord('B', 'Debian', 'curl'),
      osvRecord('C', 'Debian:11', 'curl'),
    ]);
    await importOsv(dbPath, [zip]);
    expect(ids('Debian:12', 'curl')).toEqual(['A', 'B']);
  });

  it('replaces a stored record only with one whose modified is newer', async () => {
    const first = await writeZip('first.zip', [
      osvRecord('GO-1', 'Go', 'golang.org/x/net', { summary: 'first' }),
      osvRecord('GO-2', 'Go', 'golang.org/x/net', { summary: 'first' }),
    ]);
    await importOsv(dbPath, [first]);
    const second = await writeZip('second.zip', [
      osvRecord('GO-1', 'Go', 'golang.org/x/net', {
        summary: 'newer',
        modified: '2024-06-01T00:00:00Z',
      }),
      osvRecord('GO-2', 'Go', 'golang.org/x/net', {
        summary: 'older',
        modified: '2023-06-01T00:00:00Z',
      }),
    ]);
    const summary = await importOsv(dbPath, [second]);
    expect(summary).toMatchObject({ replaced: 1, unchanged: 1, inserted: 0 });
    const db = openVulnDb(dbPath);
    expect(db.advisory('GO-1')?.summary).toBe('newer');
    expect(db.advisory('GO-2')?.summary).toBe('first');
    db.close();
  });

  it('keeps a withdrawn record, flagged, and never returns it for a package', async () => {
    const zip = await writeZip('all.zip', [
      osvRecord('RUSTSEC-1', 'crates.io', 'smallvec', { withdrawn: '2024-03-01T00:00:00Z' }),
    ]);
    const summary = await importOsv(dbPath, [zip]);
    expect(summary.withdrawn).toBe(1);
    expect(ids('crates.io', 'smallvec')).toEqual([]);
    const db = openVulnDb(dbPath);
    expect(db.advisory('RUSTSEC-1')?.withdrawn).toBe('2024-03-01T00:00:00Z');
    expect(db.status().withdrawn).toBe(1);
    db.close();
  });

  it('skips malformed records with a count and their first reasons, importing the rest', async () => {
    const path = join(dir, 'mixed.zip');
    await writeFile(
      path,
      buildZip([
        { name: 'good.json', data: json(osvRecord('GOOD-1', 'npm', 'left-pad')) },
        { name: 'syntax.json', data: '{"id": ' },
        { name: 'nomod.json', data: json({ id: 'NOMOD-1' }) },
        {
          name: 'event.json',
          data: json(
            osvRecord('EVENT-1', 'npm', 'x', {
              affected: [
                {
                  package: { ecosystem: 'npm', name: 'x' },
                  ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1' }] }],
                },
              ],
            }),
          ),
        },
      ]),
    );
    const summary = await importOsv(dbPath, [path]);
    expect(summary.records).toBe(1);
    expect(summary.skipped).toBe(3);
    expect(summary.skipReasons).toEqual([
      expect.stringMatching(/syntax\.json: not valid JSON/),
      expect.stringMatching(/nomod\.json: NOMOD-1: modified: /),
      expect.stringMatching(
        /event\.json: EVENT-1: affected\.0\.ranges\.0\.events\.0: .*exactly one/,
      ),
    ]);
    expect(ids('npm', 'left-pad')).toEqual(['GOOD-1']);
  });

  it('keeps only the first five skip reasons but counts every skipped record', async () => {
    const entries = Array.from({ length: 8 }, (_, i) => ({ name: `bad${i}.json`, data: '[1]' }));
    const path = join(dir, 'bad.zip');
    await writeFile(path, buildZip(entries));
    const summary = await importOsv(dbPath, [path]);
    expect(summary.skipped).toBe(8);
    expect(summary.skipReasons).toHaveLength(5);
  });

  it('imports records of an unknown ecosystem and reports them', async () => {
    const zip = await writeZip('all.zip', [
      osvRecord('HEX-1', 'Hex', 'plug'),
      osvRecord('HEX-2', 'Hex', 'cowboy'),
      osvRecord('NPM-1', 'npm', 'react'),
    ]);
    const summary = await importOsv(dbPath, [zip]);
    expect(summary.unknownEcosystems).toEqual({ Hex: 2 });
    expect(ids('Hex', 'plug')).toEqual(['HEX-1']);
  });

  it('keeps fields it does not model in the stored record', async () => {
    const zip = await writeZip('all.zip', [
      osvRecord('X-1', 'npm', 'a', { x_vendor: { note: 'kept' } }),
    ]);
    await importOsv(dbPath, [zip]);
    const db = openVulnDb(dbPath);
    expect(db.advisory('X-1')).toMatchObject({ x_vendor: { note: 'kept' } });
    db.close();
  });

  it('leaves the previous database intact when a later source cannot be read', async () => {
    await importOsv(dbPath, [await writeZip('good.zip', [osvRecord('OLD-1', 'npm', 'a')])]);
    const before = await readFile(dbPath);
    const good = await writeZip('more.zip', [osvRecord('NEW-1', 'npm', 'a')]);
    const corrupt = join(dir, 'corrupt.zip');
    await writeFile(corrupt, buildZip([{ name: 'a.json', data: '{}' }]).subarray(0, 40));
    await expect(importOsv(dbPath, [good, corrupt])).rejects.toMatchObject({
      code: 'OSV_INVALID',
    });
    expect(await readFile(dbPath)).toEqual(before);
    expect(ids('npm', 'a')).toEqual(['OLD-1']);
  });

  it('refuses a source that does not exist, naming it', async () => {
    await expect(importOsv(dbPath, [join(dir, 'missing.zip')])).rejects.toMatchObject({
      code: 'OSV_INVALID',
      message: expect.stringContaining('missing.zip') as unknown,
    });
  });

  it('records each source as imported by hand', async () => {
    const zip = await writeZip('all.zip', [osvRecord('A-1', 'npm', 'a')]);
    await importOsv(dbPath, [zip]);
    const db = openVulnDb(dbPath);
    expect(db.sources()).toEqual([expect.objectContaining({ name: zip, importedBy: 'manual' })]);
    db.close();
  });

  it('reports progress as records are read', async () => {
    const records = Array.from({ length: 2500 }, (_, i) => osvRecord(`N-${i}`, 'npm', `p${i}`));
    const seen: number[] = [];
    await importOsv(dbPath, [await writeZip('all.zip', records)], {
      onProgress: (progress) => seen.push(progress.records),
    });
    expect(seen).toEqual([1000, 2000, 2500]);
  });

  describe('limits on what it reads', () => {
    it('reads a zip of exactly the source size limit and refuses one a byte larger, unread', async () => {
      const zip = await writeZip('all.zip', [osvRecord('Z-1', 'npm', 'z')]);
      const { size } = await stat(zip);
      await expect(
        importOsv(dbPath, [zip], { limits: { maxSourceBytes: size - 1 } }),
      ).rejects.toMatchObject({
        code: 'LIMIT_EXCEEDED',
        message: `${zip}: ${size} bytes exceed the source limit of ${size - 1}`,
      });
      await importOsv(dbPath, [zip], { limits: { maxSourceBytes: size } });
      expect(ids('npm', 'z')).toEqual(['Z-1']);
    });

    it('expands YAML aliases up to the limit and refuses the import one use past it', async () => {
      const yamlWith = (aliases: number) =>
        [
          'id: PYSEC-2024-9',
          'modified: 2024-02-01T00:00:00Z',
          'summary: &s shared text',
          'details:',
          ...Array.from({ length: aliases }, () => '  - *s'),
          '',
        ].join('\n');
      const file = join(dir, 'aliases.yaml');
      // The anchored node counts as one use, each alias as another: 1 + 99 = the limit of 100.
      await writeFile(file, yamlWith(99));
      const summary = await importOsv(dbPath, [file]);
      expect(summary.records + summary.skipped).toBe(1);
      await writeFile(file, yamlWith(100));
      await expect(importOsv(dbPath, [file])).rejects.toMatchObject({
        code: 'LIMIT_EXCEEDED',
        message: `${file}: YAML aliases expand past the limit of 100 uses`,
      });
    });

    it('skips a record file of a tree over the record limit and reads the others', async () => {
      const tree = join(dir, 'tree');
      await mkdir(tree, { recursive: true });
      await writeFile(join(tree, 'a.json'), json(osvRecord('A-1', 'npm', 'a')).padEnd(1000));
      await writeFile(join(tree, 'b.json'), 'x'.repeat(1001));
      const summary = await importOsv(dbPath, [tree], { limits: { maxRecordBytes: 1000 } });
      expect(summary).toMatchObject({
        records: 1,
        skipped: 1,
        skipReasons: [`${join(tree, 'b.json')}: 1001 bytes exceed the record limit of 1000`],
      });
    });
  });
});
