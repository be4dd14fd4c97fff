import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { osvRecord, tempDir } from './__fixtures__/osv.js';
import { affectedEntriesFor, openVulnDb } from './database.js';
import { importOsv } from './import.js';
import { SCHEMA_VERSION } from './schema.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

describe('openVulnDb', () => {
  it('refuses a database with a newer schema version, with an upgrade hint', async () => {
    const path = join(dir, 'moat-vuln.db');
    const db = openVulnDb(path, { readonly: false });
    db.sqlite
      .prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'")
      .run(String(SCHEMA_VERSION + 1));
    db.close();
    expect(() => openVulnDb(path)).toThrow(
      expect.objectContaining({
        code: 'DB_SCHEMA_TOO_NEW',
        message: expect.stringContaining('upgrade Moat') as unknown,
      }),
    );
    await expect(importOsv(path, [])).rejects.toMatchObject({ code: 'DB_SCHEMA_TOO_NEW' });
  });

  it('refuses a database of an older schema with how to rebuild it; an import rebuilds it', async () => {
    const path = join(dir, 'moat-vuln.db');
    const old = join(dir, 'old.json');
    await writeFile(old, JSON.stringify(osvRecord('OLD-1', 'npm', 'a')));
    await importOsv(path, [old]);
    const db = openVulnDb(path, { readonly: false });
    db.sqlite
      .prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'")
      .run(String(SCHEMA_VERSION - 1));
    db.close();
    expect(() => openVulnDb(path)).toThrow(
      expect.objectContaining({
        code: 'DB_SCHEMA_TOO_OLD',
        message: expect.stringContaining('moat db update') as unknown,
      }),
    );
    const fresh = join(dir, 'new.json');
    await writeFile(fresh, JSON.stringify(osvRecord('NEW-1', 'npm', 'a')));
    await importOsv(path, [fresh]);
    const rebuilt = openVulnDb(path);
    expect(rebuilt.schemaVersion).toBe(SCHEMA_VERSION);
    expect(rebuilt.advisoriesFor('npm', 'a').map((r) => r.id)).toEqual(['NEW-1']);
    rebuilt.close();
  });

  it('reports a missing database with how to get one', () => {
    expect(() => openVulnDb(join(dir, 'none.db'))).toThrow(
      expect.objectContaining({
        code: 'DB_NOT_FOUND',
        message: expect.stringContaining('moat db update') as unknown,
      }),
    );
  });

  it('refuses a file that is not a Moat database', async () => {
    const path = join(dir, 'junk.db');
    await writeFile(path, 'not sqlite at all, just text that is long enough to be a header');
    expect(() => openVulnDb(path)).toThrow(expect.objectContaining({ code: 'DB_INVALID' }));
  });

  it('opens read-only by default so that a scan cannot write', async () => {
    const path = join(dir, 'moat-vuln.db');
    await importOsv(path, []);
    const db = openVulnDb(path);
    expect(() => db.sqlite.prepare('DELETE FROM meta').run()).toThrow();
    db.close();
  });

  it('counts records per ecosystem and lists sources in its status', async () => {
    const path = join(dir, 'moat-vuln.db');
    const file = join(dir, 'a.json');
    await writeFile(
      file,
      JSON.stringify([
        osvRecord('A', 'npm', 'a'),
        osvRecord('B', 'npm', 'b'),
        osvRecord('C', 'Go', 'c'),
      ]),
    );
    await importOsv(path, [file]);
    const db = openVulnDb(path);
    expect(db.status()).toMatchObject({
      schemaVersion: SCHEMA_VERSION,
      records: 3,
      ecosystems: [
        { ecosystem: 'Go', records: 1 },
        { ecosystem: 'npm', records: 2 },
      ],
      sources: [expect.objectContaining({ name: file, importedBy: 'manual' })],
      origin: 'osv',
    });
    db.close();
  });

  it('finds a record by an alias', async () => {
    const path = join(dir, 'moat-vuln.db');
    const file = join(dir, 'a.json');
    await writeFile(
      file,
      JSON.stringify(osvRecord('GHSA-1', 'npm', 'a', { aliases: ['CVE-2024-1'] })),
    );
    await importOsv(path, [file]);
    const db = openVulnDb(path);
    expect(db.idsForAlias('CVE-2024-1')).toEqual(['GHSA-1']);
    db.close();
  });
});

describe('VulnDb lookups', () => {
  it('returns a record once whether it names the package once, twice or under the family too', async () => {
    const path = join(dir, 'moat-vuln.db');
    const file = join(dir, 'a.json');
    const entry = (ecosystem: string, fixed: string) => ({
      package: { ecosystem, name: 'openssl' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
    });
    const records = [
      osvRecord('DSA-1', 'Debian:12', 'openssl', {
        affected: [entry('Debian:12', '3.0'), entry('Debian', '3.1'), entry('Debian:12', '3.2')],
      }),
      osvRecord('DSA-2', 'Debian:11', 'openssl'),
      osvRecord('DSA-0', 'Debian', 'openssl'),
      osvRecord('DSA-5', 'Debian', 'openssl'),
      osvRecord('DSA-4', 'Debian:12', 'openssl'),
    ];
    await writeFile(file, JSON.stringify(records));
    await importOsv(path, [file]);
    const db = openVulnDb(path);
    // Found under the family (0, 5), the release (4) or both (1), and merged in id order.
    expect(db.advisoriesFor('Debian:12', 'openssl').map((r) => r.id)).toEqual([
      'DSA-0',
      'DSA-1',
      'DSA-4',
      'DSA-5',
    ]);
    expect(db.advisoriesFor('Debian', 'openssl').map((r) => r.id)).toEqual([
      'DSA-0',
      'DSA-1',
      'DSA-5',
    ]);
    expect(db.advisoriesFor('Debian:12', 'openssl')[1]?.affected).toHaveLength(3);
    expect(db.advisory('DSA-2')?.id).toBe('DSA-2');
    expect(db.advisory('DSA-9')).toBeUndefined();
    db.close();
  });

  it('stores a record naming many packages once, and finds it under each of them', async () => {
    const path = join(dir, 'moat-vuln.db');
    const file = join(dir, 'many.json');
    const packages = Array.from({ length: 400 }, (_, i) => `org.example:artifact-${i}`);
    const record = osvRecord('GHSA-MANY', 'Maven', packages[0] ?? '', {
      details: 'A flaw in a widely shared library. '.repeat(300),
      affected: packages.map((name) => ({
        package: { ecosystem: 'Maven', name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }],
      })),
    });
    const text = JSON.stringify(record);
    await writeFile(file, text);
    await importOsv(path, [file]);
    // One copy of the text plus small references; a copy per package would be 400 times it.
    expect((await stat(path)).size).toBeLessThan(4 * text.length + 512 * 1024);
    const db = openVulnDb(path);
    for (const name of [packages[0], packages[199], packages[399]]) {
      expect(db.advisoriesFor('Maven', name ?? '')).toEqual([record]);
    }
    expect(db.advisory('GHSA-MANY')).toEqual(record);
    db.close();
  });

  it('keeps the text of a record naming no package, found by id', async () => {
    const path = join(dir, 'moat-vuln.db');
    const file = join(dir, 'a.json');
    await writeFile(file, JSON.stringify(osvRecord('GIT-1', 'npm', 'a', { affected: [] })));
    await importOsv(path, [file]);
    const db = openVulnDb(path);
    expect(db.advisory('GIT-1')?.summary).toBe('a is vulnerable');
    db.close();
  });
});

describe('affectedEntriesFor', () => {
  it('picks the entries of the package in the ecosystem or its family', () => {
    const record = osvRecord('X', 'Debian:12', 'openssl', {
      modified: '2024-01-01T00:00:00Z',
      affected: [
        { package: { ecosystem: 'Debian:12', name: 'openssl' } },
        { package: { ecosystem: 'Debian:11', name: 'openssl' } },
        { package: { ecosystem: 'Debian', name: 'openssl' } },
        { package: { ecosystem: 'Debian:12', name: 'curl' } },
      ],
    });
    const entries = affectedEntriesFor(
      record as unknown as Parameters<typeof affectedEntriesFor>[0],
      'Debian:12',
      'openssl',
    );
    expect(entries.map((entry) => entry.package?.ecosystem)).toEqual(['Debian:12', 'Debian']);
  });
});
