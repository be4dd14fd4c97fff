/**
 * Key files from disk, read with a bound (`maxKeyFileBytes`): a `--key` naming a huge file or a
 * device is refused after reading one byte past the limit, never read whole.
 */
import { LimitExceededError, SignError } from '../../errors.js';
import { readFileBounded } from '../../util/bounded-file.js';
import { describeFsError, isEnvironmentFsError } from '../../util/fs-errors.js';
import type { PasswordSource, SigningKey, VerificationKey } from '../types.js';
import { maxKeyFileBytes } from './limits.js';
import { readPrivateKey } from './read-private.js';
import { readPublicKey } from './read-public.js';

/**
 * The private key in the file at `path` (any form {@link readPrivateKey} reads).
 * @example await loadPrivateKeyFile('cosign.key', passwordSource(io, { confirm: false }))
 */
export async function loadPrivateKeyFile(
  path: string,
  password: PasswordSource,
): Promise<SigningKey> {
  return readPrivateKey(await readKeyFile(path), path, password);
}

/** The public key (or certificate's key) in the file at `path`. */
export async function loadPublicKeyFile(path: string): Promise<VerificationKey> {
  return readPublicKey(await readKeyFile(path), path);
}

/**
 * At most `maxKeyFileBytes` of the file at `path`.
 * @throws SignError KEY_INVALID when it cannot be read, LIMIT_EXCEEDED when it is larger.
 */
export async function readKeyFile(path: string): Promise<Buffer> {
  try {
    return await readFileBounded(path, maxKeyFileBytes, path);
  } catch (cause) {
    if (cause instanceof LimitExceededError) {
      throw new SignError(
        'LIMIT_EXCEEDED',
        `${path}: key file is larger than ${maxKeyFileBytes} bytes`,
      );
    }
    throw new SignError('KEY_INVALID', `${path}: cannot read the key file: ${reason(cause)}`, {
      cause,
    });
  }
}

function reason(cause: unknown): string {
  return isEnvironmentFsError(cause) ? describeFsError(cause) : 'read error';
}
