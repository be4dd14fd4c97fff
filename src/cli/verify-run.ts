/**
 * The actions of `moat verify` and `moat verify-attestation` (defined in verify.ts): build the
 * policy, verify, print each verified signature on stdout (text or JSON) and the reason for each
 * rejected one on stderr; none verified is `VERIFICATION_FAILED` (exit 3).
 */
import { SignError } from '../errors.js';
import { verifyImage, verifyImageAttestations } from '../sign/image-verify.js';
import type { Signer, VerificationResult, VerifiedSignature } from '../sign/types.js';
import type { CliIo } from './io.js';
import { parseAnnotations, registryAccessOf } from './sign-options.js';
import type { VerifyAttestationFlags, VerifyFlags } from './verify.js';
import { checkPolicyFlags, policyOf } from './verify-policy.js';

/** Runs `moat verify REF`. */
export async function runVerify(reference: string, flags: VerifyFlags, io: CliIo): Promise<void> {
  const required = parseAnnotations(flags.annotations);
  const access = registryAccessOf(flags);
  checkPolicyFlags(flags);
  const result = await verifyImage(reference, await policyOf(flags), { access });
  report(requireAnnotations(result, required), flags, io, 'signature');
}

/** Runs `moat verify-attestation REF`. */
export async function runVerifyAttestation(
  reference: string,
  flags: VerifyAttestationFlags,
  io: CliIo,
): Promise<void> {
  const required = parseAnnotations(flags.annotations);
  const access = registryAccessOf(flags);
  checkPolicyFlags(flags);
  const result = await verifyImageAttestations(reference, await policyOf(flags), {
    access,
    ...(flags.type !== undefined ? { type: flags.type } : {}),
  });
  report(requireAnnotations(result, required), flags, io, 'attestation');
}

/** cosign's `verify -a key=value`: a verified signature counts only if it signed each pair. */
function requireAnnotations(
  result: VerificationResult,
  required: Record<string, string>,
): VerificationResult {
  const pairs = Object.entries(required);
  if (pairs.length === 0) return result;
  const verified: VerifiedSignature[] = [];
  const rejected = [...result.rejected];
  for (const signature of result.verified) {
    const missing = pairs.find(([key, value]) => signature.annotations[key] !== value);
    if (missing === undefined) {
      verified.push(signature);
    } else {
      rejected.push({
        format: signature.format,
        kind: signature.kind,
        source: signature.source,
        reason: `verified, but does not carry the signed annotation ${missing[0]}=${missing[1]}`,
      });
    }
  }
  return { ...result, verified, rejected };
}

function report(
  result: VerificationResult,
  flags: VerifyFlags,
  io: CliIo,
  kind: 'signature' | 'attestation',
): void {
  for (const rejected of result.rejected) {
    io.stderr.write(
      printable(
        `moat: rejected ${rejected.format} ${rejected.kind} ${rejected.source}: ${rejected.reason}`,
      ) + '\n',
    );
  }
  if (flags.output === 'json') {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const signature of result.verified) {
      io.stdout.write(`${printable(describe(signature, result))}\n`);
    }
  }
  if (result.verified.length === 0) {
    const what = kind === 'signature' ? 'signature' : 'attestation';
    throw new SignError(
      'VERIFICATION_FAILED',
      result.rejected.length === 0
        ? `${result.reference}: no ${what} found for ${result.digest}`
        : `${result.reference}: no ${what} of ${result.digest} verified (${result.rejected.length} rejected)`,
    );
  }
}

/** One line per verified signature: what, where, by whom, what it signed. */
function describe(signature: VerifiedSignature, result: VerificationResult): string {
  const parts = [
    `verified ${signature.format} ${signature.kind} of ${result.digest}`,
    `by ${signerText(signature.signer)}`,
  ];
  if ('predicateType' in signature.payload && signature.kind === 'attestation') {
    parts.push(`predicate ${signature.payload.predicateType}`);
  }
  if (signature.signedAt !== undefined) parts.push(`signed ${signature.signedAt}`);
  const annotations = Object.entries(signature.annotations);
  if (annotations.length > 0) {
    parts.push(`annotations ${annotations.map(([k, v]) => `${k}=${v}`).join(',')}`);
  }
  parts.push(`(${signature.source})`);
  return parts.join(' ');
}

function signerText(signer: Signer): string {
  return signer.kind === 'key'
    ? `key ${signer.key}`
    : `certificate for ${signer.subject} (issuer ${signer.issuer})`;
}

/** Registry content is untrusted: control characters never reach the terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
