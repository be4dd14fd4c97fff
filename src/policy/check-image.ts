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
import type { CompiledPolicy, Decision } from './types.js';

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
  const { access, ...scanOptions } = options;
  const scan = await scanImage(target, scanOptions);
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
      // Pinned to the scanned digest: a tag moved meanwhile cannot lend its signatures.
      const pinned = `${input.image.registry}/${input.image.repository}@${digest}`;
      const registryAccess: RegistryAccess = {
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.insecure === true ? { insecure: true } : {}),
        ...access,
      };
      gathered = await gatherSignatures(policy, registrySignatureSource(pinned, registryAccess));
    }
  }
  const decision = await evaluatePolicy(
    policy,
    { ...input, signatures: gathered.signatures, attestations: gathered.attestations },
    { errors: gathered.errors, ...(options.now !== undefined ? { now: options.now } : {}) },
  );
  return { decision, scan };
}
