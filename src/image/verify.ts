/**
 * Streaming blob verification: bytes pass through unchanged while their size and digest are
 * checked against the descriptor. Oversize is reported the moment it happens (so an endless
 * stream cannot run on); short content and digest mismatches are reported at the end.
 */
import { Transform, type TransformCallback } from 'node:stream';

import { IntegrityError } from '../errors.js';
import { hasherFor, parseDigest } from './digest.js';

export { parseDigest } from './digest.js';

/** What a blob must hash to and how long it must be. */
export interface ExpectedBlob {
  digest: string;
  size: number;
}

/**
 * A pass-through Transform that fails with {@link IntegrityError} (`SIZE_MISMATCH` or
 * `DIGEST_MISMATCH`) when the bytes differ from `expected`; `name` names the blob in messages.
 * With `sizeKnown: false` only the digest is checked (for diff_ids, whose size is not recorded).
 * @example await pipeline(createReadStream(path), verifyBlob(descriptor, path), sink);
 */
export function verifyBlob(
  expected: ExpectedBlob,
  name: string,
  options: { sizeKnown?: boolean } = {},
): Transform {
  const sizeKnown = options.sizeKnown ?? true;
  const { algorithm } = parseDigest(expected.digest);
  const hash = hasherFor(expected.digest);
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (sizeKnown && seen > expected.size) {
        callback(
          new IntegrityError(
            'SIZE_MISMATCH',
            `${name}: blob is longer than its descriptor says (expected ${expected.size} bytes, got at least ${seen})`,
          ),
        );
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (sizeKnown && seen !== expected.size) {
        callback(
          new IntegrityError(
            'SIZE_MISMATCH',
            `${name}: blob is shorter than its descriptor says (expected ${expected.size} bytes, got ${seen})`,
          ),
        );
        return;
      }
      const actual = `${algorithm}:${hash.digest('hex')}`;
      if (actual !== expected.digest) {
        callback(
          new IntegrityError(
            'DIGEST_MISMATCH',
            `${name}: digest mismatch (expected ${expected.digest}, got ${actual})`,
          ),
        );
        return;
      }
      callback();
    },
  });
}
