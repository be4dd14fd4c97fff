/**
 * The keyless identity policy: which Fulcio certificates are accepted, by subject alternative
 * name and OIDC issuer, with cosign's semantics (`pkg/cosign/verify.go`, CheckCertificatePolicy):
 * `subject` equals one of the SANs, `subjectRegExp` matches one of them (unanchored, Go RE2 —
 * RE2JS here, linear time on hostile patterns), likewise `issuer` / `issuerRegExp` for the
 * issuer extension. An unset constraint accepts anything, but keyless verification demands both
 * (as cosign's `--certificate-identity*` and `--certificate-oidc-issuer*` flags are required).
 */
import { createRequire } from 'node:module';

import type { X509Certificate } from '@sigstore/core';
import type * as Re2js from 're2js';

import { MoatError, SignError } from '../../errors.js';
import type { IdentityPolicy } from '../types.js';

const require = createRequire(import.meta.url);
let re2js: typeof Re2js | undefined;

/** Fulcio's OIDC issuer extensions: v2 (DER UTF8String) and the deprecated v1 (raw string). */
const oidIssuerV2 = '1.3.6.1.4.1.57264.1.8';
const oidIssuerV1 = '1.3.6.1.4.1.57264.1.1';
/** Fulcio's otherName SAN for usernames. */
const oidOtherNameUsername = '1.3.6.1.4.1.57264.1.7';

/** What a Fulcio certificate says about its holder. */
export interface CertificateIdentity {
  /** Every subject alternative name (email, URI, Fulcio username). */
  subjects: string[];
  /** The OIDC issuer extension, or '' when absent. */
  issuer: string;
}

/** Reads the SANs and OIDC issuer of a Fulcio certificate. */
export function certificateIdentity(certificate: X509Certificate): CertificateIdentity {
  const san = certificate.extSubjectAltName;
  const subjects = [san?.rfc822Name, san?.uri, san?.otherName(oidOtherNameUsername)].filter(
    (name): name is string => typeof name === 'string' && name !== '',
  );
  const v2 = certificate.extension(oidIssuerV2);
  const issuer = v2
    ? (v2.valueObj.subs[0]?.value.toString('utf8') ?? '')
    : (certificate.extension(oidIssuerV1)?.value.toString('utf8') ?? '');
  return { subjects, issuer };
}

/**
 * Refuses (USAGE) an identity policy that does not constrain both subject and issuer, or whose
 * regular expression is not valid RE2.
 */
export function checkIdentityPolicy(policy: IdentityPolicy | undefined): IdentityPolicy {
  if (!policy?.subject && !policy?.subjectRegExp) {
    throw new MoatError(
      'USAGE',
      'keyless verification needs an expected certificate identity (subject or subjectRegExp)',
    );
  }
  if (!policy.issuer && !policy.issuerRegExp) {
    throw new MoatError(
      'USAGE',
      'keyless verification needs an expected OIDC issuer (issuer or issuerRegExp)',
    );
  }
  if (policy.subjectRegExp) compile(policy.subjectRegExp, 'subject');
  if (policy.issuerRegExp) compile(policy.issuerRegExp, 'issuer');
  return policy;
}

/**
 * Checks a certificate identity against the policy; throws VERIFICATION_FAILED naming what the
 * certificate holds when it does not match.
 */
export function matchIdentity(identity: CertificateIdentity, policy: IdentityPolicy): void {
  const issuerMatches = policy.issuerRegExp
    ? compile(policy.issuerRegExp, 'issuer').test(identity.issuer)
    : policy.issuer
      ? policy.issuer === identity.issuer
      : true;
  const subjectMatches = policy.subjectRegExp
    ? identity.subjects.some((name) => compile(policy.subjectRegExp ?? '', 'subject').test(name))
    : policy.subject
      ? identity.subjects.includes(policy.subject)
      : true;
  if (issuerMatches && subjectMatches) return;
  const got = `certificate has subject ${JSON.stringify(identity.subjects.join(', '))} and issuer ${JSON.stringify(identity.issuer)}`;
  const wanted = subjectMatches
    ? `issuer ${JSON.stringify(policy.issuerRegExp ?? policy.issuer)}`
    : `subject ${JSON.stringify(policy.subjectRegExp ?? policy.subject)}`;
  throw new SignError('VERIFICATION_FAILED', `identity mismatch: expected ${wanted}, ${got}`);
}

function compile(pattern: string, what: string): Re2js.RE2JS {
  re2js ??= require('re2js') as typeof Re2js;
  try {
    return re2js.RE2JS.compile(pattern);
  } catch (error) {
    throw new MoatError(
      'USAGE',
      `the ${what} regular expression ${JSON.stringify(pattern)} is not valid RE2 syntax`,
      { cause: error },
    );
  }
}
