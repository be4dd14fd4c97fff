/**
 * The check that makes a signature about *this* image: the signed content (a simple-signing
 * payload's `docker-manifest-digest`, or an in-toto statement's subject digests) must name the
 * image's manifest digest. Every verified signature passes through it, whichever format and
 * verifier it came from, so a valid signature over another digest is never reported as verified.
 */
import { SignError } from '../errors.js';
import type { InTotoStatement, SimpleSigningPayload, VerifiedSignature } from './types.js';

/**
 * Throws unless `payload` names `digest` (`sha256:<hex>`).
 * @throws SignError VERIFICATION_FAILED naming the digest the payload is about.
 */
export function requireDigestBinding(
  payload: VerifiedSignature['payload'],
  digest: string,
  source: string,
): void {
  if (isSimpleSigning(payload)) {
    const signed = payload.critical.image['docker-manifest-digest'];
    if (signed !== digest) {
      throw new SignError(
        'VERIFICATION_FAILED',
        `${source}: the signature is for ${String(signed)}, not ${digest}`,
      );
    }
    return;
  }
  const [algorithm = '', hex = ''] = digest.split(':');
  const subjects = Array.isArray(payload.subject) ? payload.subject : [];
  if (!subjects.some((subject) => subject.digest?.[algorithm]?.toLowerCase() === hex)) {
    const named = subjects.map((s) => Object.entries(s.digest ?? {}).map(([a, h]) => `${a}:${h}`));
    throw new SignError(
      'VERIFICATION_FAILED',
      `${source}: the statement's subject is ${named.flat().join(', ') || 'empty'}, not ${digest}`,
    );
  }
}

/**
 * The annotations the signer signed in a simple-signing payload: its `optional`. Values that are
 * not strings are left out.
 */
export function payloadSignedAnnotations(
  payload: VerifiedSignature['payload'],
): Record<string, string> {
  return isSimpleSigning(payload) ? stringValues(payload.optional) : {};
}

/**
 * The annotations of the statement subject that names `digest`, read from the verified (signed)
 * statement bytes: cosign 3 puts `sign -a` there. Unsigned annotations (the referrer manifest's)
 * never count.
 */
export function subjectAnnotations(statement: Buffer, digest: string): Record<string, string> {
  const [algorithm = '', hex = ''] = digest.split(':');
  let parsed: unknown;
  try {
    parsed = JSON.parse(statement.toString('utf8'));
  } catch {
    return {};
  }
  const subjects = (parsed as { subject?: unknown }).subject;
  if (!Array.isArray(subjects)) return {};
  const subject = subjects.find(
    (s: { digest?: Record<string, unknown> } | null) =>
      typeof s?.digest?.[algorithm] === 'string' && s.digest[algorithm].toLowerCase() === hex,
  ) as { annotations?: unknown } | undefined;
  return stringValues(subject?.annotations);
}

function stringValues(source: unknown): Record<string, string> {
  if (typeof source !== 'object' || source === null) return {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'string') values[key] = value;
  }
  return values;
}

function isSimpleSigning(
  payload: SimpleSigningPayload | InTotoStatement,
): payload is SimpleSigningPayload {
  return 'critical' in payload;
}
