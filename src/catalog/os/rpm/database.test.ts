import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isMoatError } from '../../../errors.js';
import { createScanContext } from '../../context.js';
import type { FoundPackage } from '../../types.js';
import { rpmAnalyzer } from './analyzer.js';
import { readRpmDatabase } from './database.js';

/** Edits to apply to a file: positions biased towards its first `hot` bytes (headers, slots). */
function editsOf(length: number, hot: number) {
  const position = fc.oneof(fc.nat(Math.min(hot, length) - 1), fc.nat(length - 1));
  return fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), {
    minLength: 1,
    maxLength: 12,
  });
}

/** True when reading `file` either succeeds or fails with PACKAGE_DB_INVALID, nothing else. */
async function readsOrRejectsCleanly(path: string, file: Buffer): Promise<boolean> {
  await writeFile(path, file);
  try {
    await readRpmDatabase(path);
    return true;
  } catch (error) {
    return isMoatError(error) && error.code === 'PACKAGE_DB_INVALID';
  }
}

const fixtures = join(import.meta.dirname, '../../../../test/fixtures/data/rpmdb');
const bdbFixture = join(fixtures, 'bdb-libuuid/Packages');
const ndbFixture = join(fixtures, 'ndb-sle15-bci/Packages.db');
const sqliteFixture = join(fixtures, 'sqlite-cbl-mariner-2.0/rpmdb.sqlite');

/** A package as a line of the fixtures' expected.tsv: name, epoch, version, release, arch, srpm. */
function tsvLine(p: FoundPackage): string {
  const release = String(p.metadata?.release ?? '');
  const epoch = Number(p.metadata?.epoch ?? 0);
  const version = p.version.replace(/^\d+:/, '').slice(0, -(release.length + 1));
  const srpm = String(p.metadata?.sourceRpm ?? '');
  return [p.name, epoch, version, release, p.arch, srpm].join('\t');
}

function expectedLines(folder: string): string[] {
  const text = readFileSync(join(fixtures, folder, 'expected.tsv'), 'utf8');
  return text.split('\n').filter(Boolean).sort();
}

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'moat-rpmdb-test-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('readRpmDatabase on real databases (test/fixtures/data/rpmdb)', () => {
  it.each([
    ['bdb-libuuid', bdbFixture],
    ['ndb-sle15-bci', ndbFixture],
    ['sqlite-cbl-mariner-2.0', sqliteFixture],
  ])('lists exactly the packages of %s', async (folder, file) => {
    const { packages, warnings } = await readRpmDatabase(file);
    expect(packages.map(tsvLine).sort()).toEqual(expectedLines(folder));
    expect(warnings).toEqual([]);
  });

  it('reports full versions, source package, licence, epoch and release', async () => {
    const { packages } = await readRpmDatabase(bdbFixture);
    expect(packages).toEqual([
      {
        name: 'libuuid',
        version: '2.32.1-42.el8_8',
        type: 'rpm',
        arch: 'x86_64',
        licenses: ['BSD'],
        source: { name: 'util-linux', version: '2.32.1-42.el8_8' },
        metadata: { release: '42.el8_8', sourceRpm: 'util-linux-2.32.1-42.el8_8.src.rpm' },
      },
    ]);
  });
});

/** The header blob of one package of the SQLite fixture: a real header to build databases from. */
function realBlob(name: string): Buffer {
  const db = new Database(sqliteFixture, { readonly: true });
  try {
    const rows = db.prepare('SELECT blob FROM Packages').all() as { blob: Buffer }[];
    const found = rows.find((r) => r.blob.includes(Buffer.from(`\0${name}\0`)));
    if (!found) throw new TypeError(`no ${name} in the fixture`);
    return found.blob;
  } finally {
    db.close();
  }
}

/**
 * Writes a Berkeley DB hash file with 512-byte pages: page 1 holds one key/H_OFFPAGE pair per
 * blob, each blob on its own overflow chain. `loop` makes a chain's second page point back to
 * its first.
 */
function buildBdb(blobs: Buffer[], opts: { littleEndian: boolean; loop?: number }): Buffer {
  const pageSize = 512;
  const capacity = pageSize - 26;
  const pages: Buffer[] = [Buffer.alloc(pageSize), Buffer.alloc(pageSize)];
  const le = opts.littleEndian;
  const u16 = (b: Buffer, v: number, at: number) =>
    le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at);
  const u32 = (b: Buffer, v: number, at: number) =>
    le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at);
  const hash = pages[1] as Buffer;
  hash[25] = 13;
  u16(hash, blobs.length * 2, 20);
  let itemEnd = pageSize;
  blobs.forEach((blob, i) => {
    const first = pages.length;
    for (let at = 0; at < blob.length; at += capacity) {
      const page = Buffer.alloc(pageSize);
      const part = blob.subarray(at, at + capacity);
      page[25] = 7;
      u16(page, part.length, 22);
      const last = at + capacity >= blob.length;
      u32(page, last ? 0 : pages.length + 1, 16);
      if (opts.loop === i && pages.length === first + 1) u32(page, first, 16);
      part.copy(page, 26);
      pages.push(page);
    }
    itemEnd -= 5; // key: H_KEYDATA + 4-byte record number
    hash[itemEnd] = 1;
    u32(hash, i + 1, itemEnd + 1);
    u16(hash, itemEnd, 26 + i * 4);
    itemEnd -= 12; // data: H_OFFPAGE, page number, total length
    hash[itemEnd] = 3;
    u32(hash, first, itemEnd + 4);
    u32(hash, blob.length, itemEnd + 8);
    u16(hash, itemEnd, 26 + i * 4 + 2);
  });
  const meta = pages[0] as Buffer;
  u32(meta, 0x061561, 12);
  u32(meta, 9, 16);
  u32(meta, pageSize, 20);
  meta[25] = 8;
  u32(meta, pages.length - 1, 32);
  return Buffer.concat(pages);
}

async function writeTemp(name: string, content: Buffer): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, content);
  return path;
}

describe('readRpmDatabase on hand-built Berkeley DB files', () => {
  it.each([true, false])('reads overflow chains (little-endian: %s)', async (littleEndian) => {
    const file = buildBdb([realBlob('bash'), realBlob('zlib')], { littleEndian });
    const { packages, warnings } = await readRpmDatabase(await writeTemp('ok.bdb', file));
    expect(packages.map((p) => p.name)).toEqual(['bash', 'zlib']);
    expect(warnings).toEqual([]);
  });

  it('skips a record whose overflow chain loops, with a warning, and keeps the rest', async () => {
    const file = buildBdb([realBlob('bash'), realBlob('zlib')], { littleEndian: true, loop: 0 });
    const path = await writeTemp('loop.bdb', file);
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages.map((p) => p.name)).toEqual(['zlib']);
    expect(warnings).toEqual([`${path}: page 1 item 1 skipped: overflow chain loops at page 2`]);
  });

  it('rejects a hash database with an impossible page size', async () => {
    const file = buildBdb([realBlob('zlib')], { littleEndian: true });
    file.writeUInt32LE(1000, 20);
    await expect(readRpmDatabase(await writeTemp('pagesize.bdb', file))).rejects.toMatchObject({
      code: 'PACKAGE_DB_INVALID',
    });
  });

  it('skips a record whose header blob is garbage, with a warning', async () => {
    const garbage = Buffer.alloc(700, 0xff);
    const file = buildBdb([garbage, realBlob('zlib')], { littleEndian: true });
    const { packages, warnings } = await readRpmDatabase(await writeTemp('garbage.bdb', file));
    expect(packages.map((p) => p.name)).toEqual(['zlib']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/page 1 item 1 skipped: rpm header: \d+ index entries/);
  });
});

describe('readRpmDatabase on randomly damaged files', () => {
  it('never fails with anything but PACKAGE_DB_INVALID on a damaged Berkeley DB file', async () => {
    const original = buildBdb([realBlob('bash'), realBlob('zlib')], { littleEndian: true });
    const path = join(tmp, 'fuzz.bdb');
    await fc.assert(
      fc.asyncProperty(editsOf(original.length, 1024), async (edits) => {
        const file = Buffer.from(original);
        for (const [at, value] of edits) file[at] = value;
        return readsOrRejectsCleanly(path, file);
      }),
      { numRuns: 100 },
    );
  });

  it('never fails with anything but PACKAGE_DB_INVALID on a damaged NDB file', async () => {
    const original = await readFile(ndbFixture);
    const path = join(tmp, 'fuzz.ndb');
    await fc.assert(
      fc.asyncProperty(editsOf(original.length, 4096), async (edits) => {
        const file = Buffer.from(original);
        for (const [at, value] of edits) file[at] = value;
        return readsOrRejectsCleanly(path, file);
      }),
      { numRuns: 25 },
    );
  });
});

describe('readRpmDatabase on a damaged SQLite file', () => {
  it('rejects a file whose second page is overwritten', async () => {
    const file = await readFile(sqliteFixture);
    file.fill(0xa5, 4096, 4096 + 200);
    const path = await writeTemp('page2.sqlite', file);
    await expect(readRpmDatabase(path)).rejects.toMatchObject({
      code: 'PACKAGE_DB_INVALID',
      message: `${path}: SQLite: unreadable`,
    });
  });

  it('never fails with anything but PACKAGE_DB_INVALID', async () => {
    const original = await readFile(sqliteFixture);
    const path = join(tmp, 'fuzz.sqlite');
    await fc.assert(
      fc.asyncProperty(editsOf(original.length, 64 * 1024), async (edits) => {
        const file = Buffer.from(original);
        for (const [at, value] of edits) file[at] = value;
        await rm(`${path}-wal`, { force: true });
        await rm(`${path}-shm`, { force: true });
        return readsOrRejectsCleanly(path, file);
      }),
      { numRuns: 15 },
    );
  });
});

describe('readRpmDatabase on a corrupted NDB file', () => {
  async function corruptCopy(name: string, edit: (file: Buffer) => void): Promise<string> {
    const file = await readFile(ndbFixture);
    edit(file);
    return writeTemp(name, file);
  }

  it('rejects a file whose slot page count exceeds the file', async () => {
    const path = await corruptCopy('slots.ndb', (f) => f.writeUInt32LE(0xffffff, 12));
    await expect(readRpmDatabase(path)).rejects.toMatchObject({ code: 'PACKAGE_DB_INVALID' });
  });

  it('skips a slot whose blob lost its magic and keeps the other packages', async () => {
    const path = await corruptCopy('blob.ndb', (f) => {
      const blobAt = f.readUInt32LE(32 + 8) * 16; // first slot's block offset
      f.write('XXXX', blobAt, 'latin1');
    });
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages).toHaveLength(34);
    expect(warnings).toEqual([`${path}: pkgidx 1 skipped: missing BlbS magic`]);
  });

  it('skips a slot pointing past the end of the file', async () => {
    const path = await corruptCopy('far.ndb', (f) => f.writeUInt32LE(0x7fffffff, 32 + 8));
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages).toHaveLength(34);
    expect(warnings[0]).toMatch(/pkgidx 1 skipped: blob at \d+ .* outside the file/);
  });
});

/** A copy of a header blob with its NAME string overwritten by one of the same length. */
function renamed(blob: Buffer, name: string): Buffer {
  const copy = Buffer.from(blob);
  const entries = copy.readUInt32BE(0);
  for (let i = 0; i < entries; i++) {
    if (copy.readUInt32BE(8 + i * 16) !== 1000) continue;
    const at = 8 + entries * 16 + copy.readUInt32BE(8 + i * 16 + 8);
    const old = copy.toString('utf8', at, copy.indexOf(0, at));
    if (old.length !== name.length) throw new TypeError(`${old} and ${name} differ in length`);
    copy.write(name, at, 'utf8');
  }
  return copy;
}

describe('readRpmDatabase on a hand-made SQLite database', () => {
  it('leaves out gpg-pubkey pseudo-packages', async () => {
    const path = join(tmp, 'pubkey.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
    const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    insert.run(renamed(realBlob('bzip2-libs'), 'gpg-pubkey'));
    insert.run(realBlob('zlib'));
    db.close();
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages.map((p) => p.name)).toEqual(['zlib']);
    expect(warnings).toEqual([]);
  });

  it('skips a garbage blob with a warning naming its hnum', async () => {
    const path = join(tmp, 'garbage.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
    db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(Buffer.from('not a header at all'));
    db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(realBlob('zlib'));
    db.close();
    const { packages, warnings } = await readRpmDatabase(path);
    expect(packages.map((p) => p.name)).toEqual(['zlib']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^.*garbage\.sqlite: hnum 1 skipped: rpm header: /);
  });
});

describe('readRpmDatabase on files that are not rpm databases', () => {
  it('rejects an unknown format', async () => {
    const path = await writeTemp('text', Buffer.from('hello, world, not a database'));
    await expect(readRpmDatabase(path)).rejects.toMatchObject({ code: 'PACKAGE_DB_INVALID' });
  });

  it('rejects a SQLite file without a Packages table', async () => {
    const path = join(tmp, 'other.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE Other (x INTEGER)');
    db.close();
    await expect(readRpmDatabase(path)).rejects.toMatchObject({ code: 'PACKAGE_DB_INVALID' });
  });
});

describe('rpmAnalyzer', () => {
  it('wants the database files of both rpm locations and nothing else', () => {
    const wants = (path: string) => rpmAnalyzer.wants({ path, size: 4096, mode: 0o644 });
    for (const dir of ['var/lib/rpm/', 'usr/lib/sysimage/rpm/']) {
      expect(wants(`${dir}Packages`)).toBe(true);
      expect(wants(`${dir}Packages.db`)).toBe(true);
      expect(wants(`${dir}rpmdb.sqlite`)).toBe(true);
      expect(wants(`${dir}Name`)).toBe(false);
    }
    expect(wants('opt/var/lib/rpm/Packages')).toBe(false);
  });

  it('names the image path, not the spooled copy, in warnings', async () => {
    const spoolPath = join(tmp, 'spooled-ndb');
    await copyFile(ndbFixture, spoolPath);
    const file = await readFile(spoolPath);
    file.write('XXXX', file.readUInt32LE(32 + 8) * 16, 'latin1');
    await writeFile(spoolPath, file);
    const result = await rpmAnalyzer.analyze(
      { path: 'var/lib/rpm/Packages.db', size: file.length, mode: 0o644, spoolPath },
      createScanContext(),
    );
    expect(result.warnings).toEqual([
      '/var/lib/rpm/Packages.db: pkgidx 1 skipped: missing BlbS magic',
    ]);
  });
});
