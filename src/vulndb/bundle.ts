/**
 * Signed database bundles, the air-gapped path: {@link exportBundle} snapshots the database,
 * gzips it and signs it with an ECDSA P-256 key; {@link importBundle} verifies the signature,
 * the schema version, the payload's digest and length, and SQLite's integrity check before it
 * atomically replaces the database. Anything wrong leaves the current database as it was.
 */
import { createHash, sign, verify } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

import { LimitExceededError, MoatError, isMoatError } from '../errors.js';
import { commitFile, discardFile, tempPathBeside } from './atomic.js';
import { encodePreamble, parseHeader, readPreamble, type BundleHeader } from './bundle-format.js';
import { keyIdOf, loadPrivateKey, loadPublicKey } from './keys.js';
import { defaultVulnDbLimits } from './limits.js';
import { SCHEMA_VERSION, checkSchema } from './schema.js';
import { openSqlite, sqliteReason } from './sqlite.js';
import { withWriteLock } from './write-lock.js';

/**
 * Writes a signed bundle of the database at `dbPath` to `out` and returns its header.
 * @throws MoatError DB_NOT_FOUND / DB_INVALID for the database, KEY_INVALID for the key.
 */
export async function exportBundle(
  dbPath: string,
  out: string,
  privateKeyPem: string | Buffer,
): Promise<BundleHeader> {
  const privateKey = loadPrivateKey(privateKeyPem);
  const snapshot = tempPathBeside(out, 'snapshot');
  const payload = tempPathBeside(out, 'payload');
  const bundle = tempPathBeside(out, 'bundle');
  await mkdir(dirname(out), { recursive: true });
  try {
    const db = openSqlite(dbPath, true);
    let schemaVersion: number;
    try {
      schemaVersion = checkSchema(db, dbPath);
      // A consistent, compacted copy even while another process writes.
      db.prepare('VACUUM INTO ?').run(snapshot);
    } finally {
      db.close();
    }
    const hash = createHash('sha256');
    let payloadBytes = 0;
    await pipeline(
      createReadStream(snapshot),
      createGzip({ level: 6 }),
      tap((chunk) => {
        hash.update(chunk);
        payloadBytes += chunk.length;
      }),
      createWriteStream(payload),
    );
    const header: BundleHeader = {
      format: 1,
      schemaVersion,
      keyId: keyIdOf(loadPublicKey(privateKeyPem)),
      compression: 'gzip',
      payloadSha256: hash.digest('hex'),
      payloadBytes,
      databaseBytes: (await stat(snapshot)).size,
      createdAt: new Date().toISOString(),
    };
    const headerBytes = Buffer.from(JSON.stringify(header));
    const signature = sign('sha256', headerBytes, privateKey);
    const file = createWriteStream(bundle);
    file.write(encodePreamble(headerBytes, signature));
    await pipeline(createReadStream(payload), file);
    await commitFile(bundle, out);
    return header;
  } finally {
    await Promise.all([
      discardFile(snapshot),
      rm(payload, { force: true }),
      rm(bundle, { force: true }),
    ]);
  }
}

/**
 * Verifies the bundle at `path` with `publicKeyPem` and atomically installs its database at
 * `dbPath`; returns the verified header.
 * @throws MoatError BUNDLE_SIGNATURE_INVALID, BUNDLE_INVALID, DB_SCHEMA_TOO_NEW or KEY_INVALID;
 *   the database at `dbPath` is then unchanged.
 */
export async function importBundle(
  path: string,
  publicKeyPem: string | Buffer,
  dbPath: string,
  maxDatabaseBytes = defaultVulnDbLimits.maxBundleDbBytes,
): Promise<BundleHeader> {
  const publicKey = loadPublicKey(publicKeyPem);
  // Non-blocking, then checked on the descriptor: a FIFO or device is refused, never read.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (cause: unknown) => {
      throw new MoatError('BUNDLE_INVALID', `${path}: cannot open the bundle`, { cause });
    },
  );
  let preamble;
  let size: number;
  try {
    const info = await file.stat();
    if (!info.isFile()) throw new MoatError('BUNDLE_INVALID', `${path}: not a regular file`);
    size = info.size;
    preamble = await readPreamble(path, async (position, length) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    });
  } finally {
    await file.close();
  }
  if (!verify('sha256', preamble.headerBytes, publicKey, preamble.signature)) {
    throw new MoatError(
      'BUNDLE_SIGNATURE_INVALID',
      `${path}: signature does not verify with key ${keyIdOf(publicKey)}`,
    );
  }
  const header = parseHeader(path, preamble.headerBytes);
  if (header.schemaVersion > SCHEMA_VERSION) {
    throw new MoatError(
      'DB_SCHEMA_TOO_NEW',
      `${path}: bundle schema ${header.schemaVersion} is newer than this Moat reads (${SCHEMA_VERSION}); upgrade Moat`,
    );
  }
  if (size !== preamble.payloadOffset + header.payloadBytes) {
    throw new MoatError(
      'BUNDLE_INVALID',
      `${path}: payload is ${size - preamble.payloadOffset} bytes, the header says ${header.payloadBytes}`,
    );
  }
  if (header.databaseBytes > maxDatabaseBytes) {
    throw new LimitExceededError(
      `${path}: database of ${header.databaseBytes} bytes exceeds the limit`,
    );
  }
  await mkdir(dirname(dbPath), { recursive: true });
  const temp = tempPathBeside(dbPath, 'bundle');
  try {
    await unpackPayload(path, preamble.payloadOffset, header, temp);
    checkDatabase(path, temp, header);
    // Not while an import is between its copy and its rename: that rename would undo this one.
    await withWriteLock(dbPath, () => commitFile(temp, dbPath));
  } catch (error) {
    await discardFile(temp);
    throw error;
  }
  return header;
}

/** Inflates the payload into `temp`, checking its digest and both lengths. */
async function unpackPayload(
  path: string,
  offset: number,
  header: BundleHeader,
  temp: string,
): Promise<void> {
  const hash = createHash('sha256');
  let inflated = 0;
  try {
    await pipeline(
      createReadStream(path, { start: offset }),
      tap((chunk) => hash.update(chunk)),
      createGunzip(),
      tap((chunk) => {
        inflated += chunk.length;
        if (inflated > header.databaseBytes)
          throw new Error('payload inflates past its declared size');
      }),
      createWriteStream(temp),
    );
  } catch (cause) {
    if (isMoatError(cause)) throw cause;
    throw new MoatError('BUNDLE_INVALID', `${path}: corrupt payload: ${sqliteReason(cause)}`, {
      cause,
    });
  }
  if (hash.digest('hex') !== header.payloadSha256) {
    throw new MoatError(
      'BUNDLE_INVALID',
      `${path}: payload digest does not match the signed header`,
    );
  }
  if (inflated !== header.databaseBytes) {
    throw new MoatError(
      'BUNDLE_INVALID',
      `${path}: database is ${inflated} bytes, not ${header.databaseBytes}`,
    );
  }
}

/** Runs SQLite's integrity check and the schema check, and marks the database as from a bundle. */
function checkDatabase(path: string, temp: string, header: BundleHeader): void {
  const db = openSqlite(temp, false);
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    if (rows.length !== 1 || rows[0]?.integrity_check !== 'ok') {
      throw new MoatError('BUNDLE_INVALID', `${path}: database fails SQLite's integrity check`);
    }
    const version = checkSchema(db, path);
    if (version !== header.schemaVersion) {
      throw new MoatError('BUNDLE_INVALID', `${path}: database schema differs from the header's`);
    }
    const setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    setMeta.run('origin', 'bundle');
    setMeta.run('bundle_key_id', header.keyId);
    setMeta.run('bundle_created_at', header.createdAt);
  } catch (error) {
    if (isMoatError(error)) throw error;
    throw new MoatError('BUNDLE_INVALID', `${path}: ${sqliteReason(error)}`, { cause: error });
  } finally {
    db.close();
  }
}

/** A pass-through stream that shows each chunk to `see` (which may throw to fail the pipeline). */
function tap(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        see(chunk);
        done(null, chunk);
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
