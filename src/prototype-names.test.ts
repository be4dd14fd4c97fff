/**
 * Names that come from users, documents and images are looked up as own keys only: `constructor`,
 * `__proto__` or `toString` must read as the unknown words they are, never as what
 * Object.prototype holds under that name (issue 9 B14). One test per lookup table that such a
 * name can reach; the command-line flags and ignore-file keys are in cli/scan-hostile-input.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, test } from 'vitest';

import { buildZip } from '../test/fixtures/zip-builder.js';
import { osReleaseAnalyzer } from './catalog/os/release.js';
import { purlFor } from './catalog/purl.js';
import { endOfLife } from './match/eol.js';
import { isValidVersion, parseVersion } from './versions/index.js';
import { json, osvRecord, tempDir } from './vulndb/__fixtures__/osv.js';
import { importOsv } from './vulndb/import.js';

const prototypeNames = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

describe('prototype names from an image', () => {
  test.each(prototypeNames)('apk suffix _%s is an unknown suffix', (name) => {
    expect(isValidVersion('apk', `1.0_${name.toLowerCase().replace(/_/g, '')}`)).toBe(false);
  });

  test('a Maven qualifier named constructor stays the word constructor', () => {
    expect(JSON.stringify(parseVersion('maven', '1.0-constructor'))).toContain('"constructor"');
  });

  test.each(prototypeNames)('os-release ID=%s has no end-of-life entry', (family) => {
    expect(endOfLife({ family, version: '12' }, new Date('2026-01-01'))).toBeUndefined();
  });

  test.each(prototypeNames)('Debian VERSION_ID=%s has no end-of-life entry', (version) => {
    expect(endOfLife({ family: 'debian', version }, new Date('2026-01-01'))).toBeUndefined();
  });

  test.each(prototypeNames)('a file named %s at the image root is not a release file', (path) => {
    expect(osReleaseAnalyzer.wants({ path } as never)).toBe(false);
  });

  test('os-release ID=constructor names the purl namespace constructor', () => {
    const pkg = { name: 'zlib', version: '1.3', type: 'deb' } as never;
    expect(purlFor(pkg, { family: 'constructor', version: '1' })).toMatch(
      /^pkg:deb\/constructor\/zlib@1\.3/,
    );
  });
});

describe('prototype names from a vulnerability source', () => {
  test('records of ecosystems named __proto__ and constructor are counted as unknown', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const records = [
        osvRecord('X-1', '__proto__', 'a'),
        osvRecord('X-2', 'constructor', 'b'),
        osvRecord('X-3', 'constructor', 'c'),
      ];
      const zip = join(dir, 'all.zip');
      await writeFile(
        zip,
        buildZip(records.map((r) => ({ name: `${String(r.id)}.json`, data: json(r) }))),
      );
      const summary = await importOsv(join(dir, 'db', 'moat-vuln.db'), [zip]);
      expect(Object.entries(summary.unknownEcosystems).sort()).toEqual([
        ['__proto__', 1],
        ['constructor', 2],
      ]);
    } finally {
      await cleanup();
    }
  });
});
