/**
 * What `moat verify`, `verify-attestation` and `verify-blob` accept as proof, with cosign's flags:
 * `--key PUB`, or a certificate identity (`--certificate-identity[-regexp]`) and issuer
 * (`--certificate-oidc-issuer[-regexp]`) checked against `--trusted-root FILE` — which must be
 * given, since Moat never fetches a trusted root (no TUF, no network during verification).
 */
import type { Command } from 'commander';

import { MoatError } from '../errors.js';
import type { IdentityPolicy, VerificationPolicy } from '../sign/types.js';

/** The policy flags as commander parses them. */
export interface PolicyFlags {
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  trustedRoot?: string;
}

/** Adds the policy flags. */
export function addPolicyFlags(command: Command): Command {
  return command
    .option('--key <file>', 'public key (PEM SubjectPublicKeyInfo, or a PEM certificate)')
    .option('--certificate-identity <identity>', "the signer's identity in the certificate (SAN)")
    .option(
      '--certificate-identity-regexp <regexp>',
      "a regular expression for the signer's identity",
    )
    .option('--certificate-oidc-issuer <url>', 'the OIDC issuer the certificate names')
    .option('--certificate-oidc-issuer-regexp <regexp>', 'a regular expression for the OIDC issuer')
    .option('--trusted-root <file>', 'Sigstore trusted_root.json (keyless verification, offline)');
}

/** The flags' policy without loading anything: every usage error comes before any I/O. */
export function checkPolicyFlags(flags: PolicyFlags): void {
  const identity = identityOf(flags);
  const keyless = Object.keys(identity).length > 0;
  if (flags.key !== undefined && keyless) {
    throw new MoatError('USAGE', '--key and --certificate-* flags exclude each other');
  }
  if (flags.key === undefined && !keyless) {
    throw new MoatError(
      'USAGE',
      'give --key PUB, or --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] with --trusted-root FILE',
    );
  }
  if (!keyless) return;
  if (identity.subject === undefined && identity.subjectRegExp === undefined) {
    throw new MoatError('USAGE', 'keyless verification needs --certificate-identity[-regexp]');
  }
  if (identity.issuer === undefined && identity.issuerRegExp === undefined) {
    throw new MoatError('USAGE', 'keyless verification needs --certificate-oidc-issuer[-regexp]');
  }
  if (flags.trustedRoot === undefined) {
    throw new MoatError(
      'USAGE',
      'keyless verification needs --trusted-root FILE (Moat never fetches one: verification is offline)',
    );
  }
  for (const [flag, pattern] of [
    ['--certificate-identity-regexp', identity.subjectRegExp],
    ['--certificate-oidc-issuer-regexp', identity.issuerRegExp],
  ] as const) {
    if (pattern === undefined) continue;
    try {
      new RegExp(pattern);
    } catch (cause) {
      throw new MoatError('USAGE', `${flag}: "${pattern}" is not a valid regular expression`, {
        cause,
      });
    }
  }
}

/** Loads the key or the trusted root the flags name (after {@link checkPolicyFlags}). */
export async function policyOf(flags: PolicyFlags): Promise<VerificationPolicy> {
  checkPolicyFlags(flags);
  const policy: VerificationPolicy = {};
  const identity = identityOf(flags);
  if (Object.keys(identity).length > 0) {
    // RE2 syntax, as cosign's Go patterns: refused before any file or registry is read.
    const { checkIdentityPolicy } = await import('../sign/verify/identity.js');
    policy.identity = checkIdentityPolicy(identity);
  }
  const { loadPublicKeyFile } = await import('../sign/keys/index.js');
  const { loadTrustedRootFile } = await import('../sign/verify/trusted-root.js');
  if (flags.key !== undefined) policy.keys = [await loadPublicKeyFile(flags.key)];
  if (flags.trustedRoot !== undefined) {
    policy.trustedRoot = await loadTrustedRootFile(flags.trustedRoot);
  }
  return policy;
}

function identityOf(flags: PolicyFlags): IdentityPolicy {
  const identity: IdentityPolicy = {};
  if (flags.certificateIdentity !== undefined) identity.subject = flags.certificateIdentity;
  if (flags.certificateIdentityRegexp !== undefined) {
    identity.subjectRegExp = flags.certificateIdentityRegexp;
  }
  if (flags.certificateOidcIssuer !== undefined) identity.issuer = flags.certificateOidcIssuer;
  if (flags.certificateOidcIssuerRegexp !== undefined) {
    identity.issuerRegExp = flags.certificateOidcIssuerRegexp;
  }
  return identity;
}
