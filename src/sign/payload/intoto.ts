/**
 * in-toto Statements (ITE-6; `https://in-toto.io/Statement/v1`, and v0.1 read too): what
 * attestations and bundle-format image signatures sign. Built as cosign builds them
 * (`pkg/cosign/attestation/attestation.go`, `cmd/cosign/cli/sign/sign.go` `signDigestBundle`),
 * with fields in the protobuf order cosign's `protojson` writes: `_type`, `subject` (`name`,
 * `digest`, `annotations`), `predicateType`, `predicate`.
 */
import { createHash } from 'node:crypto';

import { z } from 'zod';

import { SignError } from '../../errors.js';
import { parseBoundedJson } from './bounded-json.js';
import type { InTotoStatement, SignedImage } from '../types.js';
import { payloadLimits } from './limits.js';

/** The `_type` of an in-toto Statement v1. */
export const statementTypeV1 = 'https://in-toto.io/Statement/v1';
/** The `_type` of an in-toto Statement v0.1 (what `cosign attest` still writes). */
export const statementTypeV01 = 'https://in-toto.io/Statement/v0.1';

/**
 * The predicate type of a bundle-format image signature: `cosign sign --new-bundle-format` signs
 * an in-toto statement about the image digest with this type and an empty predicate
 * (cosign `pkg/types/predicate.go`).
 */
export const cosignSignPredicateType = 'https://sigstore.dev/cosign/sign/v1';

/** Splits `sha256:<hex>` into the statement digest set `{ sha256: '<hex>' }`. */
export function digestSet(digest: string): Record<string, string> {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon === digest.length - 1) {
    throw new SignError('SIGNATURE_INVALID', `not a digest: ${JSON.stringify(digest)}`);
  }
  return { [digest.slice(0, colon)]: digest.slice(colon + 1) };
}

/**
 * The statement `cosign attest` makes about an image: one subject named like the image's
 * repository (`registry/repository`) with its manifest digest.
 */
export function imageStatement(
  image: SignedImage,
  predicateType: string,
  predicate?: unknown,
): InTotoStatement {
  return {
    _type: statementTypeV1,
    subject: [{ name: image.dockerReference, digest: digestSet(image.digest) }],
    predicateType,
    ...(predicate === undefined ? {} : { predicate }),
  };
}

/** The statement about a blob: one subject, the file's name and SHA-256. */
export function blobStatement(
  name: string,
  data: Buffer,
  predicateType: string,
  predicate?: unknown,
): InTotoStatement {
  const sha256 = createHash('sha256').update(data).digest('hex');
  return {
    _type: statementTypeV1,
    subject: [{ name, digest: { sha256 } }],
    predicateType,
    ...(predicate === undefined ? {} : { predicate }),
  };
}

/** A statement subject with the optional fields cosign may write. */
interface SubjectOut {
  name?: string;
  digest: Record<string, string>;
  annotations?: Record<string, unknown>;
}

function statementJson(
  type: string,
  subjects: SubjectOut[],
  predicateType: string,
  predicate: unknown,
): Buffer {
  const statement: Record<string, unknown> = { _type: type, subject: subjects, predicateType };
  if (predicate !== undefined) statement['predicate'] = predicate;
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

/** Serializes a statement (field order as cosign's protojson; an empty subject name left out). */
export function serializeStatement(statement: InTotoStatement): Buffer {
  const subjects = statement.subject.map((subject) =>
    subject.name === ''
      ? { digest: subject.digest }
      : { name: subject.name, digest: subject.digest },
  );
  return statementJson(statement._type, subjects, statement.predicateType, statement.predicate);
}

/**
 * The payload of a bundle-format image signature, as `cosign sign --new-bundle-format` builds it:
 * a v1 statement whose one subject has no name, the image digest and the signature's annotations
 * (always present, `{}` when none), predicate type {@link cosignSignPredicateType} and an empty
 * predicate `{}`.
 */
export function imageSignatureStatement(
  image: SignedImage,
  annotations: Record<string, string> = {},
): Buffer {
  return statementJson(
    statementTypeV1,
    [{ digest: digestSet(image.digest), annotations }],
    cosignSignPredicateType,
    {},
  );
}

const subjectSchema = z.looseObject({
  name: z.string().optional(),
  digest: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** A statement subject as parsed: `annotations` kept when present (cosign's sign statement). */
export interface ParsedSubject {
  name: string;
  digest: Record<string, string>;
  annotations?: Record<string, unknown>;
}

const statementSchema = z.looseObject({
  _type: z.enum([statementTypeV1, statementTypeV01]),
  subject: z.array(subjectSchema).min(1).max(payloadLimits.maxStatementSubjects),
  predicateType: z.string().min(1),
  predicate: z.unknown().optional(),
});

/** Parses an in-toto statement (v1 or v0.1), bounded; `SIGNATURE_INVALID` otherwise. */
export function parseStatement(bytes: Buffer, source: string): InTotoStatement {
  const { data } = parseBoundedJson(bytes, source, {
    what: 'in-toto statement',
    shape: 'in-toto statement',
    maxBytes: payloadLimits.maxStatementBytes,
    schema: statementSchema,
  });
  const { _type, subject, predicateType, predicate } = data;
  return {
    _type,
    subject: subject.map((entry): ParsedSubject => {
      const parsedSubject: ParsedSubject = { name: entry.name ?? '', digest: entry.digest };
      if (entry.annotations !== undefined && entry.annotations !== null) {
        parsedSubject.annotations = entry.annotations;
      }
      return parsedSubject;
    }),
    predicateType,
    ...(predicate === undefined ? {} : { predicate }),
  };
}

function subjectFor(statement: InTotoStatement, digest: string): ParsedSubject | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  return statement.subject.find(
    (subject) => Object.hasOwn(subject.digest, algorithm) && subject.digest[algorithm] === hex,
  );
}

/** True when one of the statement's subjects carries `digest` (`sha256:<hex>`). */
export function statementCoversDigest(statement: InTotoStatement, digest: string): boolean {
  return subjectFor(statement, digest) !== undefined;
}

/**
 * The signed annotations of the subject that carries `digest` (cosign compares `-a k=v` against
 * these, `IntotoSubjectClaimVerifier`), as strings (non-strings as their JSON); `{}` when none.
 */
export function subjectAnnotations(
  statement: InTotoStatement,
  digest: string,
): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(subjectFor(statement, digest)?.annotations ?? {})) {
    Object.defineProperty(annotations, key, {
      value: typeof value === 'string' ? value : JSON.stringify(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return annotations;
}
