/**
 * The file operations under the filesystem blob store: whole positional writes, fsync of files and
 * directories, hashing a file, lazy directory listings, and mapping a full disk to `STORE_FULL`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, opendir, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

import { StoreError } from '../../errors.js';
import type { DigestAlgorithm } from './names.js';

/** Writes all of `chunk` at `position` (a positional write may write less than asked). */
export async function writeAllAt(
  file: FileHandle,
  chunk: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await file.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

/** Makes a directory's entries (a created, renamed or removed file) durable. */
export async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The hex digest of a file's bytes, read as a stream. */
export async function hashFile(path: string, algorithm: DigestAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The error code of a Node.js system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code: unknown = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** A full disk or quota as `STORE_FULL`; every other error as it is. */
export function fullDiskAsStoreError(error: unknown): unknown {
  const code = errnoCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StoreError('STORE_FULL', 'blob store: no space left on device', { cause: error });
  }
  return error;
}

/** The entries of a directory, read a few at a time; none when it does not exist. */
export async function* entriesOf(path: string) {
  const dir = await opendir(path).catch(ignoreMissing);
  if (dir !== undefined) yield* dir;
}

/** Makes a file's bytes durable. */
export async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Undefined for a missing file; any other error is thrown again. */
export function ignoreMissing(error: unknown): undefined {
  if (errnoCode(error) === 'ENOENT') return undefined;
  throw fullDiskAsStoreError(error);
}
