/**
 * Gathering the verified signatures and attestations a policy's `requireSignatures` rules need:
 * each rule's verifications run against a {@link SignatureSource} (a registry over HTTP, or
 * Moat's own stores), and whatever could not be read becomes that rule's error — an evaluation
 * then reports it as `error`, which denies, rather than as a missing signature.
 */
import type { RegistryAccess } from '../sign/oci/index.js';
import type { VerifiedSignature } from '../sign/types.js';
import { recordVerifiedFor } from './checks/signatures.js';
import { programOf } from './program.js';
import type { CompiledPolicy, SignatureSource } from './types.js';

/** What {@link gatherSignatures} found. */
export interface GatheredSignatures {
  signatures: VerifiedSignature[];
  attestations: VerifiedSignature[];
  /** Rules whose signatures could not be read, by rule name, with the reason (one line). */
  errors: Map<string, string>;
}

/**
 * Verifies, for every `requireSignatures` rule of `policy`, the image's signatures and the
 * attestations of the types the rule requires.
 * @example
 * const { signatures, attestations, errors } = await gatherSignatures(policy, registrySignatureSource('registry.example/app@sha256:…'));
 */
export async function gatherSignatures(
  policy: CompiledPolicy,
  source: SignatureSource,
): Promise<GatheredSignatures> {
  const signatures = new Map<string, VerifiedSignature>();
  const attestations = new Map<string, VerifiedSignature>();
  const errors = new Map<string, string>();
  const keep = (into: Map<string, VerifiedSignature>, found: VerifiedSignature[], rule: string) => {
    for (const signature of found) {
      // The same stored signature verified under two rules is one signature, which counts for
      // each rule whose own verification accepted it.
      const key = `${signature.kind} ${signature.format} ${signature.source}`;
      const kept = into.get(key) ?? signature;
      into.set(key, kept);
      recordVerifiedFor(kept, rule);
    }
  };
  for (const program of programOf(policy)) {
    const requirement = program.rule.requireSignatures;
    if (requirement === undefined) continue;
    try {
      for (const verification of program.verifications) {
        keep(signatures, await source.verifySignatures(verification), program.rule.name);
        for (const wanted of requirement.attestations ?? []) {
          keep(
            attestations,
            await source.verifyAttestations(verification, wanted.type),
            program.rule.name,
          );
        }
      }
    } catch (error) {
      errors.set(program.rule.name, `cannot verify signatures: ${oneLine(error)}`);
    }
  }
  return { signatures: [...signatures.values()], attestations: [...attestations.values()], errors };
}

/**
 * The signatures stored in the registry `reference` names (best pinned by digest), verified with
 * `verifyImage` / `verifyImageAttestations`.
 * @example const source = registrySignatureSource('127.0.0.1:5000/app@sha256:…', { insecure: true });
 */
export function registrySignatureSource(
  reference: string,
  access: RegistryAccess = {},
): SignatureSource {
  // The verifier (Sigstore libraries, the registry client) loads only when a rule needs it.
  const verifier = () => import('../sign/image-verify.js');
  return {
    async verifySignatures(verification) {
      const { verifyImage } = await verifier();
      return (await verifyImage(reference, verification, { access })).verified;
    },
    async verifyAttestations(verification, type) {
      const { verifyImageAttestations } = await verifier();
      return (await verifyImageAttestations(reference, verification, { type, access })).verified;
    },
  };
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}
