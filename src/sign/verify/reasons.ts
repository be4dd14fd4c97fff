/**
 * Translates what `@sigstore/verify` throws into Moat's errors: its VerificationError and
 * PolicyError codes become a one-line VERIFICATION_FAILED reason naming the part that failed
 * (certificate, transparency log, timestamp, signature); anything else it throws comes from
 * content it could not decode and is SIGNATURE_INVALID.
 */
import { PolicyError, VerificationError } from '@sigstore/verify';

import { isMoatError, SignError } from '../../errors.js';

const prefixes: Record<string, string> = {
  TLOG_INCLUSION_PROOF_ERROR: 'transparency log inclusion proof does not verify',
  TLOG_INCLUSION_PROMISE_ERROR: 'transparency log inclusion promise (SET) does not verify',
  TLOG_MISSING_INCLUSION_ERROR:
    'transparency log entry has neither an inclusion proof nor an inclusion promise',
  TLOG_BODY_ERROR: 'transparency log entry is not for this signature',
  TLOG_ERROR: 'transparency log',
  CERTIFICATE_ERROR: 'signing certificate',
  PUBLIC_KEY_ERROR: 'public key',
  SIGNATURE_ERROR: 'signature does not verify',
  TIMESTAMP_ERROR: 'timestamp',
  NOT_IMPLEMENTED_ERROR: 'unsupported',
  UNTRUSTED_SIGNER_ERROR: 'identity mismatch',
};

/** Details that say less than they could, and what to say instead ('' = nothing more). */
const rewordings = new Map([
  ['signature verification failed', ''],
  ['inclusion promise could not be verified', ''],
  [
    'timestamp could not be verified',
    'an RFC 3161 timestamp does not verify (TSA not in the trusted root, outside its validity, or not over this signature)',
  ],
]);

/** The one-line reason for a failure thrown while verifying, without the source. */
export function failureReason(error: unknown): string {
  if (error instanceof VerificationError || error instanceof PolicyError) {
    const prefix = prefixes[error.code] ?? error.code.toLowerCase();
    const message = oneLine(error.message);
    const tooFew = /^expected (\d+) timestamps, got (\d+)$/.exec(message);
    const detail = tooFew
      ? `${tooFew[2]} of the ${tooFew[1]} needed (a log entry's integrated time or an RFC 3161 timestamp)`
      : (rewordings.get(message) ?? message);
    const cause = error.cause instanceof Error ? oneLine(error.cause.message) : '';
    const parts = [detail, cause].filter((part) => part !== '' && !prefix.includes(part));
    return parts.length > 0 ? `${prefix}: ${parts.join(': ')}` : prefix;
  }
  return oneLine(error instanceof Error ? error.message : String(error));
}

/**
 * Runs a step of `@sigstore/verify` and rethrows its failure as a SignError:
 * VERIFICATION_FAILED for a check that failed, SIGNATURE_INVALID for undecodable content.
 */
export function translateFailures<T>(source: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw toSignError(error, source);
  }
}

/** The SignError for a failure (a Moat error passes through unchanged). */
export function toSignError(error: unknown, source: string): Error {
  if (isMoatError(error)) return error;
  const verificationFailed = error instanceof VerificationError || error instanceof PolicyError;
  return new SignError(
    verificationFailed ? 'VERIFICATION_FAILED' : 'SIGNATURE_INVALID',
    `${source}: ${verificationFailed ? '' : 'malformed bundle: '}${failureReason(error)}`,
    { cause: error },
  );
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
