/**
 * The vulnerability database limits of src/vulndb/limits.ts tested at the limit: exactly N is
 * accepted, N + 1 gets the outcome docs/limits.md documents.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { json, osvRecord, tempDir } from '../../src/vulndb/__fixtures__/osv.js';
import { exportBundle, importBundle } from '../../src/vulndb/bundle.js';
import { openVulnDb } from '../../src/vulndb/database.js';
import { importOsv } from '../../src/vulndb/import.js';
import { generateBundleKeyPair } from '../../src/vulndb/keys.js';
import { buildZip } from '../fixtures/zip-builder.js';

let dir: string;
let cleanup: () => Promise<void>;
let dbPath: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  dbPath = join(dir, 'cache', 'db', 'moat-vuln.db');
});
afterEach(() => cleanup());

function ids(path: string, ecosystem: string, name: string): string[] {
  const db = openVulnDb(path);
  try {
    return db.advisoriesFor(ecosystem, name).map((record) => record.id);
  } finally {
    db.close();
  }
}

async function writeZip(name: string, records: Record<string, unknown>[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    buildZip(records.map((record) => ({ name: `${String(record.id)}.json`, data: json(record) }))),
  );
  return path;
}

/** `levels` arrays nested in one another: `[[[]]]` for 3. */
function nested(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i += 1) value = [value];
  return value;
}

describe('maxRecordDepth', () => {
  // A record is one level; its field `x` of k nested arrays makes it k + 1 levels deep. The
  // record's own `affected[].ranges[].events[]` reach 7 levels, under the limit of 10 used here.
  const limits = { maxRecordDepth: 10 };

  it('imports a record nested exactly maxRecordDepth levels deep', async () => {
    const zip = await writeZip('all.zip', [osvRecord('DEEP-10', 'npm', 'a', { x: nested(9) })]);
    const summary = await importOsv(dbPath, [zip], { limits });
    expect(summary).toMatchObject({ records: 1, skipped: 0 });
    expect(ids(dbPath, 'npm', 'a')).toEqual(['DEEP-10']);
  });

  it('skips a record nested maxRecordDepth + 1 levels deep with a reason naming it, importing the rest', async () => {
    const zip = await writeZip('all.zip', [
      osvRecord('DEEP-11', 'npm', 'a', { x: nested(10) }),
      osvRecord('FLAT-1', 'npm', 'a'),
    ]);
    const summary = await importOsv(dbPath, [zip], { limits });
    expect(summary).toMatchObject({ records: 1, skipped: 1 });
    expect(summary.skipReasons).toEqual([
      expect.stringMatching(/DEEP-11\.json: DEEP-11: nested deeper than 10 levels/),
    ]);
    expect(ids(dbPath, 'npm', 'a')).toEqual(['FLAT-1']);
  });
});

describe('maxRecordsPerImport', () => {
  const limits = { maxRecordsPerImport: 3 };
  const records = (n: number) =>
    Array.from({ length: n }, (_, i) => osvRecord(`R-${i}`, 'npm', 'a'));

  it('imports exactly maxRecordsPerImport records', async () => {
    const zip = await writeZip('all.zip', records(3));
    const summary = await importOsv(dbPath, [zip], { limits });
    expect(summary.records).toBe(3);
    expect(ids(dbPath, 'npm', 'a')).toEqual(['R-0', 'R-1', 'R-2']);
  });

  it('refuses an import of maxRecordsPerImport + 1 records with LIMIT_EXCEEDED and writes no database', async () => {
    const zip = await writeZip('all.zip', records(4));
    await expect(importOsv(dbPath, [zip], { limits })).rejects.toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: expect.stringContaining('more than 3 records in one import') as string,
      }) as Error,
    );
    expect(existsSync(dbPath)).toBe(false);
  });

  it('counts records over every source of one import', async () => {
    const first = await writeZip('first.zip', records(2));
    const second = await writeZip(
      'second.zip',
      [0, 1].map((i) => osvRecord(`S-${i}`, 'npm', 'b')),
    );
    await expect(importOsv(dbPath, [first, second], { limits })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });
});

describe('maxBundleDbBytes', () => {
  const keys = generateBundleKeyPair();

  /** A signed bundle of a database holding NEW-1; returns its path and database size. */
  async function bundle(): Promise<{ path: string; databaseBytes: number }> {
    const source = join(dir, 'source.db');
    const file = join(dir, 'records.json');
    await writeFile(file, json([osvRecord('NEW-1', 'npm', 'pkg')]));
    await importOsv(source, [file]);
    const path = join(dir, 'out', 'moat-db.bundle');
    const header = await exportBundle(source, path, keys.privateKeyPem);
    return { path, databaseBytes: header.databaseBytes };
  }

  it('installs a bundle whose database is exactly maxBundleDbBytes bytes', async () => {
    const { path, databaseBytes } = await bundle();
    const header = await importBundle(path, keys.publicKeyPem, dbPath, databaseBytes);
    expect(header.databaseBytes).toBe(databaseBytes);
    expect(ids(dbPath, 'npm', 'pkg')).toEqual(['NEW-1']);
  });

  it('refuses a bundle whose database is maxBundleDbBytes + 1 bytes with LIMIT_EXCEEDED, installing nothing', async () => {
    const { path, databaseBytes } = await bundle();
    await expect(importBundle(path, keys.publicKeyPem, dbPath, databaseBytes - 1)).rejects.toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: expect.stringContaining(
          `database of ${databaseBytes} bytes exceeds the limit`,
        ) as string,
      }) as Error,
    );
    expect(existsSync(dbPath)).toBe(false);
  });
});
