import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildBdb, realBlob } from '../../../../test/fixtures/rpmdb-builder.js';
import { maxRecordWarnings, readRpmDatabase } from './database.js';

const ndbFixture = join(
  import.meta.dirname,
  '../../../../test/fixtures/data/rpmdb/ndb-sle15-bci/Packages.db',
);

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'moat-rpmdb-hostile-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** An SQLite file at `name` made by running `sql`. */
function sqliteFile(name: string, sql: string, blobs: Buffer[] = []): string {
  const path = join(tmp, name);
  const db = new Database(path);
  db.exec(sql);
  for (const blob of blobs) db.prepare('INSERT INTO Store (blob) VALUES (?)').run(blob);
  db.close();
  return path;
}

describe('readRpmDatabase on a hostile SQLite database', () => {
  it('refuses a Packages view defined by a recursive query that never ends', async () => {
    const path = sqliteFile(
      'recursive-view.sqlite',
      `CREATE VIEW Packages AS WITH RECURSIVE r(hnum, blob) AS
         (SELECT 1, x'00' UNION ALL SELECT hnum + 1, blob FROM r) SELECT hnum, blob FROM r`,
    );
    await expect(readRpmDatabase(path)).rejects.toMatchObject({
      code: 'PACKAGE_DB_INVALID',
      message: `${path}: SQLite: Packages is a view, not a table`,
    });
  });

  it('refuses a Packages view even over real headers', async () => {
    const path = sqliteFile(
      'view.sqlite',
      `CREATE TABLE Store (hnum INTEGER PRIMARY KEY, blob BLOB);
       CREATE VIEW packages AS SELECT hnum, blob FROM Store`,
      [realBlob('zlib')],
    );
    await expect(readRpmDatabase(path)).rejects.toMatchObject({ code: 'PACKAGE_DB_INVALID' });
  });

  it('refuses a blob column computed on every read', async () => {
    const path = sqliteFile(
      'computed.sqlite',
      `CREATE TABLE Packages (hnum INTEGER PRIMARY KEY,
         blob BLOB GENERATED ALWAYS AS (zeroblob(hnum * 1000000)) VIRTUAL);
       INSERT INTO Packages (hnum) VALUES (1), (2), (3)`,
    );
    await expect(readRpmDatabase(path)).rejects.toMatchObject({
      code: 'PACKAGE_DB_INVALID',
      message: `${path}: SQLite: Packages.blob is computed, not stored`,
    });
  });
});

describe('readRpmDatabase on a hostile Berkeley DB file', () => {
  it('reads a chain two records share once and skips the second record with a warning', async () => {
    const blobs = [realBlob('bash'), realBlob('zlib')];
    const file = buildBdb(blobs, { littleEndian: true, pointAt: new Map([[1, 0]]) });
    const path = join(tmp, 'shared.bdb');
    await writeFile(path, file);
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages.map((p) => p.name)).toEqual(['bash']);
    expect(warnings).toEqual([
      `${path}: page 1 item 3 skipped: overflow page 2 is shared with another record`,
    ]);
  });

  it('reads each overflow page once however many records point at it', async () => {
    const bash = realBlob('bash');
    const blobs = Array.from({ length: 23 }, () => bash);
    const pointAt = new Map(blobs.map((_, i) => [i, 0]));
    pointAt.delete(0);
    const path = join(tmp, 'fan-in.bdb');
    await writeFile(path, buildBdb(blobs, { littleEndian: false, pointAt }));
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages.map((p) => p.name)).toEqual(['bash']);
    expect(warnings).toHaveLength(22);
    for (const warning of warnings) expect(warning).toMatch(/is shared with another record$/);
  });

  it('skips a chain that runs into another record and then loops', async () => {
    const file = buildBdb([realBlob('bash'), realBlob('zlib'), realBlob('bzip2-libs')], {
      littleEndian: true,
      loop: 1,
      pointAt: new Map([[2, 1]]),
    });
    const path = join(tmp, 'loop-shared.bdb');
    await writeFile(path, file);
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages.map((p) => p.name)).toEqual(['bash']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/item 3 skipped: overflow chain loops at page \d+$/);
    expect(warnings[1]).toMatch(/item 5 skipped: overflow page \d+ is shared with another record$/);
  });
});

describe('readRpmDatabase on records that overlap inside one page', () => {
  /** A hash page of 64 KiB whose 1000 inline items all start at different bytes of one region. */
  function overlappingInlineItems(): Buffer {
    const pageSize = 65536;
    const file = Buffer.alloc(pageSize * 2);
    file.writeUInt32LE(0x061561, 12);
    file.writeUInt32LE(pageSize, 20);
    file.writeUInt32LE(1, 32);
    const page = file.subarray(pageSize);
    page[25] = 13;
    const pairs = 1000;
    page.writeUInt16LE(pairs * 2, 20);
    page.fill(1, 30000); // every item starts with H_KEYDATA
    for (let k = 0; k < pairs; k++) {
      page.writeUInt16LE(pageSize - 1, 26 + k * 4);
      page.writeUInt16LE(30000 + k, 26 + k * 4 + 2);
    }
    return file;
  }

  it('stops once the records add up to more than the file, with a warning', async () => {
    const path = join(tmp, 'overlap-inline.bdb');
    await writeFile(path, overlappingInlineItems());
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages).toEqual([]);
    expect(warnings.at(-1)).toBe(
      `${path}: records add up to more than the file's 131072 bytes; reading stopped`,
    );
    expect(warnings.length).toBeLessThan(10);
  });
});

describe('readRpmDatabase on a hostile NDB file', () => {
  /** The fixture with every free slot turned into a copy of the first slot. */
  async function slotsPointingBack(): Promise<{ path: string; copies: number }> {
    const file = await readFile(ndbFixture);
    const first = file.subarray(32, 48);
    let copies = 0;
    for (let at = 48; at + 16 <= 4096; at += 16) {
      if (file.readUInt32LE(at + 4) !== 0) continue;
      first.copy(file, at);
      copies++;
    }
    const path = join(tmp, 'pointing-back.ndb');
    await writeFile(path, file);
    return { path, copies };
  }

  it('reports a blob that many slots point back at once, with capped warnings', async () => {
    const clean = await readRpmDatabase(ndbFixture);
    const { path, copies } = await slotsPointingBack();
    expect(copies).toBeGreaterThan(maxRecordWarnings);
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages).toEqual(clean.packages);
    expect(warnings).toHaveLength(maxRecordWarnings + 1);
    expect(warnings[0]).toBe(
      `${path}: pkgidx 1 skipped: blob at 4096 overlaps another package's blob`,
    );
    expect(warnings.at(-1)).toBe(
      `${path}: ${copies - maxRecordWarnings} more warnings about this database left out`,
    );
  });

  it("skips a slot whose blob starts inside another package's blob", async () => {
    const file = await readFile(ndbFixture);
    // The second slot's blob now starts one block into the first slot's blob.
    file.writeUInt32LE(file.readUInt32LE(32 + 8) + 1, 48 + 8);
    const path = join(tmp, 'inside.ndb');
    await writeFile(path, file);
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages).toHaveLength(34);
    expect(warnings).toEqual([
      `${path}: pkgidx 2 skipped: blob at 4112 overlaps another package's blob`,
    ]);
  });
});
