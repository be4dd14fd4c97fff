import { describe, expect, it } from 'vitest';

import { checkIdentityPolicy, matchIdentity, type CertificateIdentity } from './identity.js';

const workflow = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0';
const github = 'https://token.actions.githubusercontent.com';
const identity: CertificateIdentity = { subjects: [workflow], issuer: github };

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

describe('identity policy (cosign semantics)', () => {
  it('accepts an exact subject and issuer', () => {
    expect(() => matchIdentity(identity, { subject: workflow, issuer: github })).not.toThrow();
  });

  it('matches a subject pattern anywhere in a SAN, like Go regexp.MatchString', () => {
    expect(() =>
      matchIdentity(identity, { subjectRegExp: 'github\\.com/acme/', issuer: github }),
    ).not.toThrow();
    expect(() =>
      matchIdentity(identity, { subjectRegExp: '^https://github\\.com/other/', issuer: github }),
    ).toThrow();
  });

  it('accepts when any of the certificate SANs matches', () => {
    const two: CertificateIdentity = { subjects: ['a@example.com', workflow], issuer: github };
    expect(() => matchIdentity(two, { subject: workflow, issuer: github })).not.toThrow();
  });

  it('does not treat an exact subject as a pattern', () => {
    const result = failure(() => matchIdentity(identity, { subject: '.*', issuer: github }));
    expect(result).toMatchObject({
      code: 'VERIFICATION_FAILED',
      message: `identity mismatch: expected subject ".*", certificate has subject "${workflow}" and issuer "${github}"`,
    });
  });

  it('refuses another issuer, naming the expected one', () => {
    const result = failure(() =>
      matchIdentity(identity, { subject: workflow, issuerRegExp: '^https://accounts\\.google' }),
    );
    expect(result.message).toMatch(/^identity mismatch: expected issuer "\^https/);
  });

  it('requires both a subject and an issuer constraint for keyless verification', () => {
    expect(failure(() => checkIdentityPolicy(undefined)).code).toBe('USAGE');
    expect(failure(() => checkIdentityPolicy({ subject: workflow })).code).toBe('USAGE');
    expect(failure(() => checkIdentityPolicy({ issuer: github })).code).toBe('USAGE');
    expect(checkIdentityPolicy({ subjectRegExp: '.*', issuer: github })).toEqual({
      subjectRegExp: '.*',
      issuer: github,
    });
  });

  it('refuses patterns RE2 does not accept (backreferences, lookahead)', () => {
    for (const pattern of ['(a)\\1', 'a(?=b)', '(']) {
      const result = failure(() => checkIdentityPolicy({ subjectRegExp: pattern, issuer: github }));
      expect(result.code).toBe('USAGE');
      expect(result.message).toContain('not valid RE2 syntax');
    }
  });

  it('matches a catastrophic-backtracking pattern against a long SAN (RE2 is linear; a backtracking engine would hang here)', () => {
    const long: CertificateIdentity = { subjects: ['a'.repeat(50_000)], issuer: github };
    expect(() => matchIdentity(long, { subjectRegExp: '^(a+)+$', issuer: github })).not.toThrow();
    expect(() => matchIdentity(long, { subjectRegExp: '^(a+)+b$', issuer: github })).toThrow();
  });
});
