/**
 * The only strings a blob store builds paths and object keys from: digests it has parsed itself
 * (the caller validated them already, but a store never trusts that) and upload ids of a strict
 * grammar. Nothing else reaches a path, so nothing can name a file outside the store.
 */
import { StoreError } from '../../errors.js';
import type { Digest } from '../types.js';

/** The digest algorithms a blob store verifies. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** A digest split into its algorithm and lowercase hex part. */
export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const digestPattern = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/** The digest's parts, or undefined when it is not a sha256 or sha512 digest. */
export function parseBlobDigest(digest: Digest): ParsedDigest | undefined {
  if (!digestPattern.test(digest)) return undefined;
  const [algorithm, hex] = digest.split(':') as [DigestAlgorithm, string];
  return { algorithm, hex };
}

/** True when `hex` is a whole hex part for `algorithm` (for names read back from a listing). */
export function isDigestHex(algorithm: DigestAlgorithm, hex: string): boolean {
  return digestPattern.test(`${algorithm}:${hex}`);
}

/** Every algorithm, in the order listings walk them. */
export const digestAlgorithms: readonly DigestAlgorithm[] = ['sha256', 'sha512'];

// Server-made ids are UUIDs; the grammar admits any short token of letters, digits, `-` and `_`
// so that it never contains `/`, `.` or anything else a path or key could be steered with.
const uploadIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** True when `id` may name an upload's partial data. */
export function isUploadId(id: string): boolean {
  return uploadIdPattern.test(id);
}

/** Rejects an id outside the grammar as an unknown upload (it can never have been created). */
export function checkUploadId(id: string): void {
  if (!isUploadId(id))
    throw new StoreError(
      'STORE_UPLOAD_UNKNOWN',
      `upload ${JSON.stringify(id)} is not a valid upload id`,
    );
}

/** Parses a digest to commit, rejecting one the store cannot verify. */
export function digestToVerify(digest: Digest): ParsedDigest {
  const parsed = parseBlobDigest(digest);
  if (parsed === undefined) {
    throw new StoreError(
      'DIGEST_MISMATCH',
      `${JSON.stringify(digest)} is not a sha256 or sha512 digest`,
    );
  }
  return parsed;
}

/** The error for an upload whose bytes do not hash to the digest its client named. */
export function digestMismatch(expected: Digest, actual: string): StoreError {
  return new StoreError('DIGEST_MISMATCH', `upload content has digest ${actual}, not ${expected}`);
}

/** The error for a byte range that does not lie inside a blob (of `size` bytes, when known). */
export function rangeOutside(
  digest: Digest,
  range: { start: number; end: number },
  size?: number,
): StoreError {
  const blob =
    size === undefined || Number.isNaN(size) ? `blob ${digest}` : `blob ${digest} of ${size} bytes`;
  return new StoreError(
    'STORE_RANGE_INVALID',
    `range ${range.start}-${range.end} lies outside ${blob}`,
  );
}

/** True when `range` is a valid inclusive range inside `size` bytes. */
export function rangeFits(range: { start: number; end: number }, size: number): boolean {
  return (
    Number.isSafeInteger(range.start) &&
    Number.isSafeInteger(range.end) &&
    range.start >= 0 &&
    range.start <= range.end &&
    range.end < size
  );
}

/** The error for a blob that is not stored. */
export function blobUnknown(digest: Digest): StoreError {
  return new StoreError('STORE_BLOB_UNKNOWN', `blob ${digest} is not stored`);
}

/** The error for an upload that has no partial data. */
export function uploadUnknown(id: string): StoreError {
  return new StoreError('STORE_UPLOAD_UNKNOWN', `upload ${id} has no data`);
}
