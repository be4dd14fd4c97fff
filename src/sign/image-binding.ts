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

function isSimpleSigning(
  payload: SimpleSigningPayload | InTotoStatement,
): payload is SimpleSigningPayload {
  return 'critical' in payload;
}
