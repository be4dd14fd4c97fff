/**
 * Content digests as OCI descriptors spell them (`sha256:<64 hex>`, `sha512:<128 hex>`): parsing,
 * validation and hashing. Unknown algorithms are rejected rather than skipped, so an image can
 * never pass verification by naming an algorithm Moat does not check.
 */
import { createHash, type Hash } from 'node:crypto';

import { InvalidInputError } from '../errors.js';

/** A digest algorithm Moat verifies. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** A validated digest split into its parts. */
export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const hexLength: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/**
 * Validates `sha256:` + 64 lowercase hex or `sha512:` + 128 lowercase hex.
 * @example parseDigest('sha256:' + 'a'.repeat(64)) // { algorithm: 'sha256', hex: 'aaa…' }
 */
export function parseDigest(digest: string): ParsedDigest {
  const colon = digest.indexOf(':');
  const algorithm = colon > 0 ? digest.slice(0, colon) : '';
  const hex = digest.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new InvalidInputError(
      'UNSUPPORTED_MEDIA_TYPE',
      `unsupported digest algorithm in ${JSON.stringify(digest.slice(0, 80))} (expected sha256 or sha512)`,
    );
  }
  const expected = hexLength[algorithm];
  if (hex.length !== expected || !/^[0-9a-f]+$/.test(hex)) {
    throw new InvalidInputError(
      'TARGET_INVALID',
      `invalid ${algorithm} digest ${JSON.stringify(digest.slice(0, 160))}: expected ${expected} lowercase hex digits`,
    );
  }
  return { algorithm, hex };
}

/** True when `digest` is a well-formed sha256/sha512 digest. */
export function isDigest(digest: string): boolean {
  try {
    parseDigest(digest);
    return true;
  } catch {
    return false;
  }
}

/** A fresh hash object for the algorithm of `digest` (which must be valid). */
export function hasherFor(digest: string): Hash {
  return createHash(parseDigest(digest).algorithm);
}

/** The `sha256:<hex>` digest of a buffer. */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
