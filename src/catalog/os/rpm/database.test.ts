import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildBdb,
  realBlob,
  renamed,
  sqliteFixture,
} from '../../../../test/fixtures/rpmdb-builder.js';
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
