/**
 * How the S3 blob store reads the SDK's errors: a missing key, an unsatisfiable range, and
 * everything else (network failures, throttling, a missing bucket, refused credentials) as
 * `STORE_UNAVAILABLE`, naming the operation and never the credentials.
 */
import { isMoatError, StoreError } from '../../errors.js';

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function sdkError(error: unknown): SdkError {
  return typeof error === 'object' && error !== null ? error : {};
}

/** True when S3 says the object is not there (but not when the bucket is missing). */
export function isMissingObject(error: unknown): boolean {
  const { name, $metadata } = sdkError(error);
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

/** True when S3 refused a byte range as unsatisfiable. */
export function isInvalidRange(error: unknown): boolean {
  const { name, $metadata } = sdkError(error);
  return name === 'InvalidRange' || $metadata?.httpStatusCode === 416;
}

/** The store's error for a failed S3 call: Moat's own errors as they are, others unavailable. */
export function s3Failure(error: unknown, operation: string): unknown {
  if (isMoatError(error)) return error;
  const { name, message } = sdkError(error);
  const status = sdkError(error).$metadata?.httpStatusCode;
  const detail = [name, status === undefined ? undefined : `HTTP ${status}`, message]
    .filter((part) => part !== undefined && part !== '')
    .join(': ');
  return new StoreError(
    'STORE_UNAVAILABLE',
    `S3 ${operation} failed: ${detail || 'unknown error'}`,
    {
      cause: error,
    },
  );
}
