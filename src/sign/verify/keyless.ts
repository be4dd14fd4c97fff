/**
 * Keyless verification of a signed entity: the Fulcio certificate chains to a CA of the trusted
 * root valid at the signing time, its SCTs verify against the CT log keys, at least one
 * transparency-log entry and one timestamp verify (`@sigstore/verify`'s default thresholds of 1,
 * as cosign requires), the signature verifies with the certificate's key, and the certificate's
 * identity matches the policy. Used by `bundle.ts` for certificate-signed bundles (and so for
 * keyless legacy layers, which `bundle/from-legacy.ts` rewrites as bundles).
 */
import { pem } from '@sigstore/core';
import { Verifier, toTrustMaterial, type SignedEntity } from '@sigstore/verify';

import { SignError } from '../../errors.js';
import type { Signer, VerificationPolicy } from '../types.js';
import { certificateIdentity, checkIdentityPolicy, matchIdentity } from './identity.js';
import { translateFailures } from './reasons.js';
import { protoTrustedRoot } from './trusted-root.js';

/** Verifies a certificate-signed entity; VERIFICATION_FAILED (or USAGE for a missing policy). */
export function verifyKeyless(
  entity: SignedEntity,
  policy: VerificationPolicy,
  source: string,
): { signer: Signer; verified: SignedEntity } {
  if (!policy.trustedRoot) {
    throw new SignError(
      'VERIFICATION_FAILED',
      `${source}: signed with a certificate (keyless); verifying it needs a trusted root`,
    );
  }
  const identityPolicy = checkIdentityPolicy(policy.identity);
  const root = protoTrustedRoot(policy.trustedRoot);
  translateFailures(source, () => new Verifier(toTrustMaterial(root)).verify(entity));
  if (entity.key.$case !== 'certificate') {
    throw new Error('unreachable: keyless verification without a certificate');
  }
  const leaf = entity.key.certificate;
  const identity = certificateIdentity(leaf);
  try {
    matchIdentity(identity, identityPolicy);
  } catch (error) {
    throw new SignError('VERIFICATION_FAILED', `${source}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    signer: {
      kind: 'certificate',
      subject: identity.subjects[0] ?? '',
      issuer: identity.issuer,
      certificate: pem.fromDER(leaf.root.toDER()),
    },
    verified: entity,
  };
}

/** The earliest time the verified timestamps attest. */
export function signingTime(entity: SignedEntity): string | undefined {
  const times = entity.timestamps.map((timestamp) =>
    timestamp.$case === 'transparency-log'
      ? new Date(Number(timestamp.tlogEntry.integratedTime) * 1000)
      : timestamp.timestamp.signingTime,
  );
  let first: Date | undefined;
  for (const time of times) if (!first || time < first) first = time;
  return first?.toISOString();
}
