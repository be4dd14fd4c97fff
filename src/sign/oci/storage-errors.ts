/**
 * How registry-level failures while reading or writing signatures become `SignError`s: a limit
 * reached is `LIMIT_EXCEEDED`, a document or blob that is not what it claims (bad JSON, wrong
 * digest or size) is `SIGNATURE_INVALID`. Outages and refusals keep their registry codes.
 */
import { isMoatError, SignError } from '../../errors.js';

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
