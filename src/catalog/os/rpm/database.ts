/**
 * The rpm database reader: recognises the storage format by its magic (SQLite, NDB, Berkeley DB
 * hash), decodes every header blob and turns it into packages. gpg-pubkey pseudo-packages are
 * left out; a blob that breaks the header format is skipped with a warning. Every record's bytes
 * lie in the file once, so records adding up to more than the file's size mean records share
 * storage: reading stops there with a warning, whatever the storage format's own checks missed.
 */
import { type FileHandle, open } from 'node:fs/promises';

import { InvalidInputError, isMoatError } from '../../../errors.js';
import type { FoundPackage, OwnedFiles } from '../../types.js';
import type { ParsedPackages } from '../parsed.js';
import type { RpmBlob, WarnFn } from './blob.js';
import { isBdbHash, readBdbBlobs } from './bdb.js';
import {
  parseRpmFilePaths,
  parseRpmHeader,
  parseSourceRpm,
  type RpmHeaderPackage,
} from './header.js';
import { isNdb, readNdbBlobs } from './ndb.js';
import { isSqlite, readSqliteBlobs } from './sqlite.js';

/** Most warnings kept for one database; the rest are counted in one last warning. */
export const maxRecordWarnings = 100;

/** The storage formats rpm has used for its package database. */
export type RpmDbFormat = 'sqlite' | 'ndb' | 'bdb';

/** Tells the storage format from the first 16 bytes of a file; undefined when none matches. */
export function detectRpmDbFormat(head: Buffer): RpmDbFormat | undefined {
  if (isSqlite(head)) return 'sqlite';
  if (isNdb(head)) return 'ndb';
  if (isBdbHash(head)) return 'bdb';
  return undefined;
}

/** Turns the facts of one header into a package (epoch and release also in metadata). */
export function rpmPackageFromHeader(header: RpmHeaderPackage): FoundPackage {
  const evr = header.release ? `${header.version}-${header.release}` : header.version;
  const metadata: Record<string, string | number> = { release: header.release };
  if (header.epoch !== undefined) metadata.epoch = header.epoch;
  if (header.sourceRpm) metadata.sourceRpm = header.sourceRpm;
  const pkg: FoundPackage = {
    name: header.name,
    version: header.epoch !== undefined ? `${header.epoch}:${evr}` : evr,
    type: 'rpm',
    licenses: header.license ? [header.license] : [],
    metadata,
  };
  if (header.arch) pkg.arch = header.arch;
  const source = parseSourceRpm(header.sourceRpm);
  if (source) pkg.source = source;
  return pkg;
}

async function* blobsOf(path: string, warn: WarnFn): AsyncGenerator<RpmBlob> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let recordBytes = 0;
    for await (const record of formatBlobsOf(handle, path, warn)) {
      recordBytes += record.blob.length;
      if (recordBytes > size) {
        warn(`${path}: records add up to more than the file's ${size} bytes; reading stopped`);
        return;
      }
      yield record;
    }
  } finally {
    await handle.close();
  }
}

/** The blobs of the storage format the file's magic names. */
async function* formatBlobsOf(
  handle: FileHandle,
  path: string,
  warn: WarnFn,
): AsyncGenerator<RpmBlob> {
  const head = Buffer.alloc(16);
  const { bytesRead } = await handle.read(head, 0, 16, 0);
  const format = detectRpmDbFormat(head.subarray(0, bytesRead));
  if (format === 'sqlite') {
    yield* readSqliteBlobs(path, warn);
  } else if (format === 'ndb') {
    yield* readNdbBlobs(handle, path, warn);
  } else if (format === 'bdb') {
    yield* readBdbBlobs(handle, path, warn);
  } else {
    throw new InvalidInputError('PACKAGE_DB_INVALID', `${path}: not an rpm database`);
  }
}

/** The files a header lists, or undefined (with a warning when the list is malformed). */
function filesOf(
  header: RpmHeaderPackage,
  blob: Buffer,
  what: string,
  warn: WarnFn,
): OwnedFiles | undefined {
  let paths: string[];
  try {
    paths = parseRpmFilePaths(blob);
  } catch (error) {
    if (!isMoatError(error)) throw error;
    warn(`${what}: file list skipped: ${error.message}`);
    return undefined;
  }
  if (paths.length === 0) return undefined;
  const owned: OwnedFiles = { type: 'rpm', name: header.name, paths };
  if (header.arch) owned.arch = header.arch;
  return owned;
}

/**
 * Reads every installed package of an rpm database file in any of its three formats.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the file is not a readable rpm database.
 * @example const { packages } = await readRpmDatabase('/var/lib/rpm/rpmdb.sqlite');
 */
export async function readRpmDatabase(
  path: string,
): Promise<ParsedPackages & { ownedFiles: OwnedFiles[] }> {
  const packages: FoundPackage[] = [];
  const ownedFiles: OwnedFiles[] = [];
  const warnings: string[] = [];
  // A hostile file can break every record: its warnings are capped like its records.
  let unsaid = 0;
  const warn = (message: string) => {
    if (warnings.length < maxRecordWarnings) warnings.push(message);
    else unsaid++;
  };
  for await (const { id, blob } of blobsOf(path, warn)) {
    let header: RpmHeaderPackage;
    try {
      header = parseRpmHeader(blob);
    } catch (error) {
      if (!isMoatError(error)) throw error;
      warn(`${path}: ${id} skipped: ${error.message}`);
      continue;
    }
    if (header.name === 'gpg-pubkey') continue;
    packages.push(rpmPackageFromHeader(header));
    const owned = filesOf(header, blob, `${path}: ${id}`, warn);
    if (owned) ownedFiles.push(owned);
  }
  if (unsaid > 0) warnings.push(`${path}: ${unsaid} more warnings about this database left out`);
  return { packages, warnings, ownedFiles };
}
