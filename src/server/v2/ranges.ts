/**
 * The two range headers of the registry: `Range: bytes=…` on a blob `GET` (RFC 9110 §14.2, one
 * range only) and `Content-Range: <start>-<end>` on an upload chunk (spec.md, "Pushing a blob in
 * chunks").
 */
import { DistributionError } from '../../distribution/errors.js';
import type { ByteRange } from '../../store/types.js';

/** What a `Range` header asks of a blob of `size` bytes. */
export type RangeRequest =
  { kind: 'whole' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Reads a `Range` header for a blob of `size` bytes. A missing, malformed or multi-range header
 * means the whole blob (RFC 9110 lets a server ignore it); a range starting past the end is
 * unsatisfiable.
 * @example blobRange('bytes=0-9', 100) // { kind: 'partial', range: { start: 0, end: 9 } }
 */
export function blobRange(header: string | undefined, size: number): RangeRequest {
  const match = header === undefined ? null : /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (match === null) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // A suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end } };
}

/**
 * Reads an upload chunk's `Content-Range` (`<start>-<end>`, inclusive; a `bytes ` or `bytes=`
 * prefix is tolerated); undefined when absent. Malformed: 416 `RANGE_INVALID`.
 */
export function chunkRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d{1,15}|\*))?$/.exec(header.trim());
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (match === null || end < start) {
    throw new DistributionError('RANGE_INVALID', 'malformed Content-Range', {
      detail: { contentRange: header.slice(0, 100) },
    });
  }
  return { start, end };
}
