/**
 * `requireSignatures`: at least `minimum` verified signatures by one of the rule's signers, and
 * for each required attestation type at least its `minimum` verified attestations. The input's
 * `signatures` and `attestations` are verified ones only (gatherSignatures); a signature counts
 * for a rule when its signer is one of the rule's: a key with the same fingerprint, or a
 * certificate whose identity matches one of the rule's keyless identities.
 */
import type { InTotoStatement, VerificationPolicy, VerifiedSignature } from '../../sign/types.js';
import { predicateTypeFor } from '../../sign/payload/predicate.js';
import { matchIdentity } from '../../sign/verify/identity.js';
import type { PolicyInput, SignatureRequirement } from '../types.js';
import { passed, type CheckOutcome } from './outcome.js';

/**
 * The rules whose own verification accepted a signature, as gatherSignatures found it: exact,
 * where signer matching cannot tell two rules with the same identity but different trusted roots
 * apart. Signatures that did not come through gatherSignatures (a copy, a test's) are matched by
 * signer.
 */
const verifiedFor = new WeakMap<VerifiedSignature, Set<string>>();

/** Records that `rule`'s verification accepted `signature`. */
export function recordVerifiedFor(signature: VerifiedSignature, rule: string): void {
  const rules = verifiedFor.get(signature) ?? new Set<string>();
  rules.add(rule);
  verifiedFor.set(signature, rules);
}

/** Key source → key fingerprint, over every key of the policy (sources name keys in signers). */
export type KeyHints = ReadonlyMap<string, string>;

/** Runs the check for one rule. */
export function checkSignatures(
  rule: string,
  requirement: SignatureRequirement,
  verifications: readonly VerificationPolicy[],
  hints: KeyHints,
  input: PolicyInput,
): CheckOutcome {
  const mine = (signature: VerifiedSignature) =>
    verifiedFor.get(signature)?.has(rule) ?? signedByOneOf(signature, verifications, hints);
  const minimum = requirement.minimum ?? 1;
  const signatures = unique(input.signatures.filter(mine));
  if (signatures.length < minimum) {
    return {
      pass: false,
      reason: `${signatures.length} verified signature${signatures.length === 1 ? '' : 's'} by a trusted signer, ${minimum} required`,
    };
  }
  for (const wanted of requirement.attestations ?? []) {
    const predicateType = predicateTypeFor(wanted.type);
    const count = unique(
      input.attestations.filter((a) => mine(a) && predicateTypeOf(a) === predicateType),
    ).length;
    const needed = wanted.minimum ?? 1;
    if (count < needed) {
      return {
        pass: false,
        reason: `${count} verified ${wanted.type} attestation${count === 1 ? '' : 's'} by a trusted signer, ${needed} required`,
      };
    }
  }
  return passed;
}

function signedByOneOf(
  signature: VerifiedSignature,
  verifications: readonly VerificationPolicy[],
  hints: KeyHints,
): boolean {
  const signer = signature.signer;
  if (signer.kind === 'key') {
    const hint = hints.get(signer.key);
    return verifications.some((v) => (v.keys ?? []).some((key) => key.hint === hint));
  }
  return verifications.some((v) => {
    if (v.identity === undefined || v.trustedRoot === undefined) return false;
    try {
      matchIdentity({ subjects: [signer.subject], issuer: signer.issuer }, v.identity);
      return true;
    } catch {
      return false;
    }
  });
}

function predicateTypeOf(signature: VerifiedSignature): string | undefined {
  return (signature.payload as Partial<InTotoStatement>).predicateType;
}

/** One per stored signature: the same one found through two of the rule's verifications counts once. */
function unique(signatures: VerifiedSignature[]): VerifiedSignature[] {
  const seen = new Set<string>();
  return signatures.filter((s) => {
    const key = `${s.format} ${s.source}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
