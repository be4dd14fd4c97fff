import { readFileSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import { SignError } from '../../errors.js';
import { digestA, digestB, imageWith } from './__fixtures__/test-keys.js';
import { envelopePayload, parseEnvelope } from './dsse.js';
import {
  blobStatement,
  cosignSignPredicateType,
  imageSignatureStatement,
  imageStatement,
  parseStatement,
  serializeStatement,
  statementCoversDigest,
  subjectAnnotations,
} from './intoto.js';
import { payloadLimits } from './limits.js';

function signError(run: () => unknown): SignError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SignError);
    return error as SignError;
  }
  throw new Error('expected a SignError');
}

describe('statements Moat builds', () => {
  test('an image statement names the repository and carries the manifest digest', () => {
    const statement = imageStatement(imageWith(digestA), 'https://cyclonedx.org/bom', { a: 1 });
    expect(serializeStatement(statement).toString()).toBe(
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"127.0.0.1:5000/library/app","digest":{"sha256":"${'a'.repeat(64)}"}}],"predicateType":"https://cyclonedx.org/bom","predicate":{"a":1}}`,
    );
  });

  test('a blob statement carries the SHA-256 of the data', () => {
    const statement = blobStatement('sbom.json', Buffer.from(''), 'https://spdx.dev/Document');
    expect(statement.subject).toEqual([
      {
        name: 'sbom.json',
        digest: { sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      },
    ]);
    expect(statement).not.toHaveProperty('predicate');
  });

  test('a bundle-format image signature is the statement cosign sign --new-bundle-format signs', () => {
    expect(cosignSignPredicateType).toBe('https://sigstore.dev/cosign/sign/v1');
    expect(imageSignatureStatement(imageWith(digestA)).toString()).toBe(
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${'a'.repeat(64)}"},"annotations":{}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`,
    );
    const parsed = parseStatement(
      imageSignatureStatement(imageWith(digestA), { env: 'prod' }),
      't',
    );
    expect(statementCoversDigest(parsed, digestA)).toBe(true);
    expect(parsed.subject[0]?.name).toBe('');
    expect(subjectAnnotations(parsed, digestA)).toEqual({ env: 'prod' });
    expect(subjectAnnotations(parsed, digestB)).toEqual({});
  });
});

describe('parseStatement', () => {
  const v01 = (subject: unknown) =>
    Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v0.1',
        predicateType: 'https://cosign.sigstore.dev/attestation/v1',
        subject,
        predicate: { Data: 'x', Timestamp: '2026-01-01T00:00:00Z' },
      }),
    );

  test('reads a v0.1 statement as cosign attest writes it', () => {
    const statement = parseStatement(
      v01([{ name: 'index.docker.io/library/app', digest: { sha256: 'a'.repeat(64) } }]),
      't',
    );
    expect(statementCoversDigest(statement, digestA)).toBe(true);
    expect(statementCoversDigest(statement, digestB)).toBe(false);
  });

  test('rejects an unknown statement type', () => {
    const bytes = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v2',
        subject: [{ digest: { sha256: 'a' } }],
        predicateType: 'x',
      }),
    );
    expect(signError(() => parseStatement(bytes, 't')).message).toContain('at _type');
  });

  test('rejects a statement without subjects', () => {
    expect(signError(() => parseStatement(v01([]), 't')).code).toBe('SIGNATURE_INVALID');
  });

  test('rejects a null subject entry', () => {
    expect(signError(() => parseStatement(v01([null]), 't')).message).toContain('at subject.0');
  });

  test('rejects malformed JSON', () => {
    expect(signError(() => parseStatement(Buffer.from('{'), 't')).message).toBe(
      't: in-toto statement is not JSON',
    );
  });

  test('rejects a huge statement before parsing it', () => {
    const huge = Buffer.alloc(payloadLimits.maxStatementBytes + 1, 0x20);
    expect(signError(() => parseStatement(huge, 't')).message).toContain('over the');
  });

  test('rejects more subjects than the limit', () => {
    const subjects = Array.from({ length: payloadLimits.maxStatementSubjects + 1 }, () => ({
      digest: { sha256: 'a'.repeat(64) },
    }));
    expect(signError(() => parseStatement(v01(subjects), 't')).message).toContain('at subject');
  });

  test('a digest key named like an Object.prototype member is not a match', () => {
    const statement = parseStatement(v01([{ digest: { sha256: 'a'.repeat(64) } }]), 't');
    expect(statementCoversDigest(statement, 'constructor:x')).toBe(false);
  });
});

describe("cosign's subject-claim cases (pkg/cosign/verifiers_test.go)", () => {
  const fixture = JSON.parse(
    readFileSync(
      new URL('../../../test/fixtures/cosign-payloads/attestation-envelopes.json', import.meta.url),
      'utf8',
    ),
  ) as {
    validDigest: string;
    validDigestStringPredicate: string;
    envelopes: Record<string, string>;
  };

  /** Parses the envelope and statement and matches the digest, as cosign's claim verifier does. */
  function claimHolds(name: string, digest: string): boolean {
    try {
      const envelope = parseEnvelope(Buffer.from(fixture.envelopes[name]!), name);
      return statementCoversDigest(parseStatement(envelopePayload(envelope), name), digest);
    } catch (error) {
      if (error instanceof SignError) return false;
      throw error;
    }
  }

  test.each([
    ['validIntotoStatement', 'validDigest', true],
    ['validIntotoStatement', 'otherDigest', false],
    ['invalidIntotoStatementBadEncoding', 'validDigest', false],
    ['validIntotoStatementMissingSubject', 'validDigest', false],
    ['validIntotoStatementStringPredicate', 'validDigestStringPredicate', true],
    ['intotoStatementNullSubject', 'validDigest', false],
  ] as const)('%s with %s holds: %s', (name, digestName, expected) => {
    const digest = digestName === 'otherDigest' ? digestB : fixture[digestName as 'validDigest'];
    expect(claimHolds(name, digest)).toBe(expected);
  });

  test('reads the string predicate cosign writes for --type spdx', () => {
    const envelope = parseEnvelope(
      Buffer.from(fixture.envelopes['validIntotoStatementStringPredicate']!),
      't',
    );
    const statement = parseStatement(envelopePayload(envelope), 't');
    expect(statement._type).toBe('https://in-toto.io/Statement/v0.1');
    expect(typeof statement.predicate).toBe('string');
  });
});
