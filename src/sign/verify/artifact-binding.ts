/**
 * Binds a verified bundle to the artefact the caller names. A message signature is over the
 * artefact's bytes: its `messageDigest` must equal the artefact's digest (the digest is only a
 * hint in the bundle, so it is compared explicitly — the conformance case
 * `message-digest-mismatch_fail`). A DSSE envelope carries an in-toto statement: one of its
 * subjects must have the artefact's digest, as `@sigstore/verify`'s callers check.
 */
import { createHash } from 'node:crypto';

import { HashAlgorithm } from '@sigstore/protobuf-specs';

import { SignError } from '../../errors.js';

/** The artefact a bundle is checked against (see `verifyBundle`). */
export type BundleArtifact =
  | { kind: 'bytes'; data: Buffer }
  | { kind: 'digest'; algorithm: 'sha256'; digest: Buffer }
  | { kind: 'none' };

const inTotoPayloadType = 'application/vnd.in-toto+json';

/** Node's names for the bundle's hash algorithms. */
export function nodeHashName(algorithm: HashAlgorithm): string | undefined {
  switch (algorithm) {
    case HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED:
    case HashAlgorithm.SHA2_256:
      return 'sha256';
    case HashAlgorithm.SHA2_384:
      return 'sha384';
    case HashAlgorithm.SHA2_512:
      return 'sha512';
    default:
      return undefined;
  }
}

/**
 * The digest a message signature is checked against: the artefact's (which must equal the
 * bundle's `messageDigest`), or with no artefact the bundle's own claim.
 */
export function messageDigestFor(
  messageDigest: { algorithm: HashAlgorithm; digest: Buffer },
  artifact: BundleArtifact,
  source: string,
): { hash: string; digest: Buffer } {
  const hash = nodeHashName(messageDigest.algorithm);
  if (!hash) {
    throw new SignError(
      'VERIFICATION_FAILED',
      `${source}: unsupported message digest algorithm ${HashAlgorithm[messageDigest.algorithm] ?? messageDigest.algorithm}`,
    );
  }
  if (artifact.kind === 'none') return { hash, digest: Buffer.from(messageDigest.digest) };
  if (artifact.kind === 'digest' && hash !== artifact.algorithm) {
    throw new SignError(
      'VERIFICATION_FAILED',
      `${source}: the bundle signs a ${hash} digest but a ${artifact.algorithm} digest was given`,
    );
  }
  const digest =
    artifact.kind === 'bytes' ? createHash(hash).update(artifact.data).digest() : artifact.digest;
  if (!digest.equals(Buffer.from(messageDigest.digest))) {
    throw new SignError(
      'VERIFICATION_FAILED',
      `${source}: the bundle's message digest ${hash}:${Buffer.from(messageDigest.digest).toString('hex')} is not the artefact's ${hash}:${digest.toString('hex')}`,
    );
  }
  return { hash, digest };
}

/**
 * Checks that the in-toto statement of a DSSE bundle names the artefact as a subject; with no
 * artefact there is nothing to check here (the caller reads the statement).
 */
export function checkStatementSubject(
  envelope: { payloadType: string; payload: Buffer },
  artifact: BundleArtifact,
  source: string,
): void {
  if (artifact.kind === 'none') return;
  if (envelope.payloadType !== inTotoPayloadType) {
    throw new SignError(
      'VERIFICATION_FAILED',
      `${source}: DSSE payload type ${JSON.stringify(envelope.payloadType)} is not an in-toto statement, so it cannot name the artefact`,
    );
  }
  const subjects = statementSubjects(envelope.payload, source);
  const matches = subjects.some(({ digest }) =>
    Object.entries(digest).some(([algorithm, value]) => {
      if (artifact.kind === 'digest') {
        return algorithm === 'sha256' && sameHex(value, artifact.digest);
      }
      const hash = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' }[algorithm];
      return hash !== undefined && sameHex(value, createHash(hash).update(artifact.data).digest());
    }),
  );
  if (!matches) {
    throw new SignError(
      'VERIFICATION_FAILED',
      `${source}: no subject of the in-toto statement has the artefact's digest`,
    );
  }
}

function statementSubjects(payload: Buffer, source: string): { digest: Record<string, unknown> }[] {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new SignError('SIGNATURE_INVALID', `${source}: in-toto statement is not JSON`, {
      cause: error,
    });
  }
  const subject = (statement as { subject?: unknown } | null)?.subject;
  if (!Array.isArray(subject)) {
    throw new SignError('SIGNATURE_INVALID', `${source}: in-toto statement has no subject list`);
  }
  return subject
    .map((entry: unknown) => (entry as { digest?: unknown } | null)?.digest)
    .filter((digest): digest is Record<string, unknown> => typeof digest === 'object' && !!digest)
    .map((digest) => ({ digest }));
}

function sameHex(value: unknown, digest: Buffer): boolean {
  return typeof value === 'string' && value.toLowerCase() === digest.toString('hex');
}
