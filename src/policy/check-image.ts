/**
 * `checkImage`: the whole pipeline `moat policy check` runs — scan the image (any target and
 * option `moat scan` takes), verify its signatures where the policy asks for them, evaluate.
 */
import { scanImage, type ScanOptions, type ScanResult } from '../scan.js';
import type { RegistryAccess } from '../sign/oci/index.js';
import { evaluatePolicy } from './evaluate.js';
import { buildPolicyInput } from './input.js';
import { programOf } from './program.js';
import {
  gatherSignatures,
  registrySignatureSource,
  type GatheredSignatures,
} from './signatures.js';
import type { VerifiedSignature } from '../sign/types.js';
import type { CompiledPolicy, Decision, SignatureSource } from './types.js';

/** Options of {@link checkImage}: the scan's, and how to reach the registry for signatures. */
export type CheckImageOptions = ScanOptions & { access?: RegistryAccess };

/**
 * Scans `target`, verifies its signatures and evaluates `policy` over it.
 * @example
 * const { decision } = await checkImage('registry.example/app:1.0', await loadPolicyFile('policy.yaml'));
 * process.exitCode = decision.allowed ? 0 : 3;
 */
export async function checkImage(
  target: string,
  policy: CompiledPolicy,
  options: CheckImageOptions = {},
): Promise<{ decision: Decision; scan: ScanResult }> {
  return checkImageCompiling(target, Promise.resolve(policy), options);
}

/**
 * {@link checkImage} with a policy still compiling: compiling (the CEL runtime's start-up, keys)
 * runs while the scan waits for layers. A policy that fails to compile is reported once the scan
 * has ended — before any signature is read — and wins over a scan error.
 */
export async function checkImageCompiling(
  target: string,
  compiling: Promise<CompiledPolicy>,
  options: CheckImageOptions = {},
): Promise<{ decision: Decision; scan: ScanResult }> {
  const { access, ...scanOptions } = options;
  const [scanned, compiled] = await Promise.allSettled([scanImage(target, scanOptions), compiling]);
  if (compiled.status === 'rejected') throw compiled.reason;
  if (scanned.status === 'rejected') throw scanned.reason;
  const policy = compiled.value;
  const scan = scanned.value;
  const digest = scan.inventory.artifact.manifestDigest ?? '';
  const input = buildPolicyInput({
    reference: target,
    digest,
    config: scan.config ?? {},
    inventory: scan.inventory,
    findings: scan.findings,
  });
  const needsSignatures = programOf(policy).some((p) => p.rule.requireSignatures !== undefined);
  let gathered: GatheredSignatures = { signatures: [], attestations: [], errors: new Map() };
  if (needsSignatures) {
    if (input.image.registry === '' || digest === '') {
      for (const program of programOf(policy)) {
        if (program.rule.requireSignatures === undefined) continue;
        gathered.errors.set(
          program.rule.name,
          'signatures are verified only for images read from a registry (docker:// or a reference)',
        );
      }
    } else {
      const registryAccess: RegistryAccess = {
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.insecure === true ? { insecure: true } : {}),
        ...access,
      };
      // cosign signs the digest the user's reference names (a multi-platform index for most
      // tags); `--recursive` also signs each platform's manifest, which is what was scanned.
      const named = target.startsWith('docker://') ? target.slice('docker://'.length) : target;
      const scanned = `${input.image.registry}/${input.image.repository}@${digest}`;
      const sources = [...new Set([named, scanned])].map((reference) =>
        registrySignatureSource(reference, registryAccess),
      );
      gathered = await gatherSignatures(policy, eitherSource(sources));
    }
  }
  const decision = await evaluatePolicy(
    policy,
    { ...input, signatures: gathered.signatures, attestations: gathered.attestations },
    { errors: gathered.errors, ...(options.now !== undefined ? { now: options.now } : {}) },
  );
  return { decision, scan };
}

/** The signatures any of `sources` verifies (the same signature found twice counts once). */
function eitherSource(sources: readonly SignatureSource[]): SignatureSource {
  return {
    async verifySignatures(verification) {
      const found: VerifiedSignature[] = [];
      for (const source of sources) {
        for (const signature of await source.verifySignatures(verification)) found.push(signature);
      }
      return found;
    },
    async verifyAttestations(verification, type) {
      const found: VerifiedSignature[] = [];
      for (const source of sources) {
        for (const signature of await source.verifyAttestations(verification, type)) {
          found.push(signature);
        }
      }
      return found;
    },
  };
}
