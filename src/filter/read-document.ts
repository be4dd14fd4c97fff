/**
 * Reads a user-supplied filter document (ignore file, VEX) whole, refusing files over the
 * limit before reading them, with errors that name the file.
 */
import { readFile, stat } from 'node:fs/promises';

import { LimitExceededError, MoatError } from '../errors.js';

/** A filter document that cannot be used: the message names the file (and line when known). */
export class FilterDocumentError extends MoatError<'USAGE'> {
  override name = 'FilterDocumentError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options);
  }
}

/** Reads `path` as UTF-8 when it is a regular file of at most `maxBytes`. */
export async function readDocument(path: string, maxBytes: number, what: string): Promise<string> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new FilterDocumentError(`${path}: cannot read the ${what}`, { cause });
  });
  if (!info.isFile()) throw new FilterDocumentError(`${path}: the ${what} is not a file`);
  if (info.size > maxBytes) {
    throw new LimitExceededError(`${path}: the ${what} is larger than ${maxBytes} bytes`);
  }
  return readFile(path, 'utf8');
}
