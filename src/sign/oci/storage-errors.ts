/**
 * How registry-level failures while reading or writing signatures become `SignError`s: a limit
 * reached is `LIMIT_EXCEEDED`, a document or blob that is not what it claims (bad JSON, wrong
 * digest or size) is `SIGNATURE_INVALID`. Outages and refusals keep their registry codes.
 */
import { isMoatError, SignError } from '../../errors.js';
import type { RejectedSignature } from '../types.js';
import type { SignatureStorageLimits } from './limits.js';

const invalidCodes = new Set([
  'MANIFEST_INVALID',
  'DIGEST_MISMATCH',
  'SIZE_MISMATCH',
  'HTTP_BODY_INVALID',
  'UNSUPPORTED_MEDIA_TYPE',
]);

/** Runs `work`, translating limit and integrity failures into `SignError`s about `where`. */
export async function asSignError<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translate(error, where);
  }
}

/** The `SignError` for `error`, or `error` itself when it is not about the content. */
export function translate(error: unknown, where: string): unknown {
  if (error instanceof SignError || !isMoatError(error)) return error;
  if (error.code === 'LIMIT_EXCEEDED') {
    return new SignError('LIMIT_EXCEEDED', `${where}: ${error.message}`, { cause: error });
  }
  if (invalidCodes.has(error.code)) {
    return new SignError('SIGNATURE_INVALID', `${where}: ${error.message}`, { cause: error });
  }
  return error;
}

/** A `SignError` `SIGNATURE_INVALID` about `where`. */
export function invalidSignature(where: string, reason: string): SignError {
  return new SignError('SIGNATURE_INVALID', `${where}: ${reason}`);
}

/** A `SignError` `LIMIT_EXCEEDED` about `where`. */
export function limitExceeded(where: string, reason: string): SignError {
  return new SignError('LIMIT_EXCEEDED', `${where}: ${reason}`);
}

/** How readers treat one unreadable signature (a layer or referrer), and their limits. */
export interface ReadOptions {
  limits?: SignatureStorageLimits;
  /**
   * Receives each signature that cannot be read (too large, not what its descriptor says, gone,
   * malformed) with a one-line reason, and reading goes on with the others. Without it the first
   * such problem is thrown. Limits on the whole (count, pages, total bytes) always throw.
   */
  onRejected?: (rejected: RejectedSignature) => void;
}

const perItemRegistryCodes = new Set(['REGISTRY_BLOB_UNKNOWN', 'REGISTRY_MANIFEST_UNKNOWN']);

/**
 * Runs the reading of one signature; a problem confined to it goes to `onRejected` (and
 * `undefined` is returned) when that is set, else it is thrown as a `SignError`.
 */
export async function readOne<T>(
  rejected: Omit<RejectedSignature, 'reason'>,
  options: ReadOptions,
  work: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    const translated = translate(error, rejected.source);
    const confined =
      translated instanceof SignError ||
      (isMoatError(translated) && perItemRegistryCodes.has(translated.code));
    if (!confined || options.onRejected === undefined) throw translated;
    options.onRejected({ ...rejected, reason: (translated as Error).message });
    return undefined;
  }
}
