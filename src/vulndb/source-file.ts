/**
 * Opening an untrusted local file for reading, checked on the open descriptor (so a path
 * swapped after a check cannot slip past it): it must be a regular file — `/dev/zero` or a FIFO
 * would be read until memory runs out, or forever — and no larger than a limit, both judged
 * before a byte of content is read.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

import { LimitExceededError, MoatError } from '../errors.js';

/** An open regular file and its size when opened. */
export interface OpenedSourceFile {
  file: FileHandle;
  size: number;
}

/** Options of {@link openRegularFile}. */
export interface OpenRegularFileOptions {
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** What the limit is about, for the message (`the record limit`). */
  limitName: string;
  /** Refuse a symbolic link instead of following it (for files found by walking a tree). */
  noFollow?: boolean;
}

/** Why a file was not opened: the reason (without the path) and the error code it maps to. */
export interface SourceFileRefusal {
  reason: string;
  code: 'OSV_INVALID' | 'LIMIT_EXCEEDED';
}

/**
 * Opens `path` for reading without blocking on a FIFO, and checks the descriptor's type and
 * size; a refusal says why instead of throwing (for files found by walking a tree).
 */
export async function tryOpenRegularFile(
  path: string,
  options: OpenRegularFileOptions,
): Promise<OpenedSourceFile | SourceFileRefusal> {
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer that may never come.
  const flags =
    constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0);
  let file: FileHandle;
  try {
    file = await open(path, flags);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'ELOOP'
          ? 'a symbolic link, not followed'
          : `cannot open (${code ?? String(cause)})`;
    return { reason, code: 'OSV_INVALID' };
  }
  try {
    const info = await file.stat();
    if (!info.isFile()) {
      await file.close();
      return { reason: `not a regular file (${kindOf(info)})`, code: 'OSV_INVALID' };
    }
    if (info.size > options.maxBytes) {
      await file.close();
      const reason = `${info.size} bytes exceed ${options.limitName} of ${options.maxBytes}`;
      return { reason, code: 'LIMIT_EXCEEDED' };
    }
    return { file, size: info.size };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/**
 * Opens `path` for reading as {@link tryOpenRegularFile} does.
 * @throws MoatError OSV_INVALID when it is missing or not a regular file; LIMIT_EXCEEDED when
 *   it is larger than `maxBytes`. Both messages name `label`.
 */
export async function openRegularFile(
  path: string,
  label: string,
  options: OpenRegularFileOptions,
): Promise<OpenedSourceFile> {
  const opened = await tryOpenRegularFile(path, options);
  if ('file' in opened) return opened;
  const message = `${label}: ${opened.reason}`;
  throw opened.code === 'LIMIT_EXCEEDED'
    ? new LimitExceededError(message)
    : new MoatError('OSV_INVALID', message);
}

/**
 * Reads the whole of an opened file, never more than its size when opened (at most `maxBytes`)
 * and one byte: a file that grew since it was opened is refused rather than read on.
 * @throws LimitExceededError past `maxBytes`; MoatError OSV_INVALID when it grew otherwise.
 */
export async function readAtMost(
  opened: OpenedSourceFile,
  maxBytes: number,
  label: string,
): Promise<Buffer> {
  const expected = Math.min(opened.size, maxBytes);
  const buffer = Buffer.allocUnsafe(expected + 1);
  let length = 0;
  while (length < buffer.length) {
    const { bytesRead } = await opened.file.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  if (length > maxBytes) throw new LimitExceededError(`${label}: more than ${maxBytes} bytes`);
  if (length > expected) {
    throw new MoatError('OSV_INVALID', `${label}: the file grew while it was being read`);
  }
  return buffer.subarray(0, length);
}

function kindOf(info: {
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}
