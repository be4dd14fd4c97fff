/**
 * The predicate `moat attest --predicate FILE --type T` puts in its statement, read the way cosign
 * reads it (`pkg/cosign/attestation/attestation.go`, `GenerateStatement`): `custom` wraps the
 * file's text as `{ Data, Timestamp }`, `spdx` keeps it as a string, every other type must be a
 * JSON object.
 */
import { MoatError } from '../errors.js';

/** What `--type` defaults to, as in cosign. */
export const defaultAttestationType = 'custom';

/**
 * The predicate value for a statement of `type` from the predicate file's bytes.
 * @throws MoatError USAGE when the type needs JSON and the file is not a JSON object.
 */
export function predicateOf(type: string, bytes: Buffer, source: string): unknown {
  if (type === 'custom') {
    // cosign's CosignPredicate: the file as text, stamped with the time of attesting.
    return { Data: bytes.toString('utf8'), Timestamp: rfc3339Seconds(new Date()) };
  }
  if (type === 'spdx') return bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new MoatError('USAGE', `${source}: the predicate of --type ${type} must be JSON`, {
      cause,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MoatError(
      'USAGE',
      `${source}: the predicate of --type ${type} must be a JSON object`,
    );
  }
  return value;
}

/** `2024-05-01T10:00:00Z`: Go's `time.RFC3339`, which cosign stamps custom predicates with. */
function rfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
