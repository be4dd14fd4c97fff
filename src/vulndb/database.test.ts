import { writeFile } from 'node:fs/promises';
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
