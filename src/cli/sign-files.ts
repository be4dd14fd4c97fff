/**
 * Bounded reads of the files the signing commands take: a predicate, a blob, a bundle. A path
 * naming something huge (or a device) is refused after one byte past the limit, never read
 * whole; a missing file is bad input (exit 2) naming it.
 */
import { LimitExceededError, MoatError } from '../errors.js';
import { describeFsError, isEnvironmentFsError } from '../util/fs-errors.js';
import { readFileBounded } from '../util/bounded-file.js';

/** The largest predicate `moat attest --predicate` reads. */
export const maxPredicateBytes = 32 * 1024 * 1024;
/** The largest blob `moat sign-blob` and `verify-blob` read (signing needs it whole in memory). */
export const maxBlobBytes = 1024 * 1024 * 1024;
/** The largest bundle file `moat verify-blob --bundle` reads. */
export const maxBundleFileBytes = 16 * 1024 * 1024;

/**
 * The content of the file at `path`, at most `maxBytes`.
 * @throws LimitExceededError when larger; MoatError TARGET_NOT_FOUND when it cannot be read.
 */
export async function readBoundedFile(
  path: string,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  try {
    return await readFileBounded(path, maxBytes, `${what} ${path}`);
  } catch (cause) {
    if (cause instanceof LimitExceededError || cause instanceof MoatError) throw cause;
    if (isEnvironmentFsError(cause)) {
      throw new MoatError(
        'TARGET_NOT_FOUND',
        `cannot read ${what} ${path}: ${describeFsError(cause)}`,
        {
          cause,
        },
      );
    }
    throw cause;
  }
}
