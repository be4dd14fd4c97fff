/**
 * The policies the validating webhook applies, loaded once at start: `admission.policyFile`
 * (`MOAT_ADMISSION_POLICY`) at `/admission/validate`, and each `admission.policies` binding at
 * `/admission/validate/<n>` (n its index in the list). The API server never sends a namespace's
 * labels, so a binding's label selector is enforced by the Kubernetes side: the webhook that
 * `moat admission manifests` generates for path n carries that `namespaceSelector`.
 */
import type { AdmissionPolicyBinding, LabelSelector } from '../server/config.js';
import type { CompiledPolicy } from '../policy/types.js';

/** One loaded binding. */
export interface BoundPolicy {
  /** Path suffix: '' for the policy of every namespace, otherwise the binding's index. */
  slot: string;
  policy: CompiledPolicy;
  namespaceSelector?: LabelSelector;
}

/** The loaded policies, by path slot. */
export interface AdmissionPolicies {
  /** `admission.policyFile`: every namespace no binding takes. */
  fallback?: BoundPolicy;
  bindings: BoundPolicy[];
}

/**
 * Loads every configured policy with `load` (the policy helper's `loadPolicyFile`); a policy that
 * does not load stops the start with its `POLICY_INVALID` error.
 * @example const policies = await loadAdmissionPolicies(config.admission, loadPolicyFile);
 */
export async function loadAdmissionPolicies(
  config: { policyFile?: string; policies: readonly AdmissionPolicyBinding[] },
  load: (path: string) => Promise<CompiledPolicy>,
): Promise<AdmissionPolicies> {
  const bindings = await Promise.all(
    config.policies.map(async (binding, index) => ({
      slot: String(index),
      policy: await load(binding.policyFile),
      ...(binding.namespaceSelector !== undefined
        ? { namespaceSelector: binding.namespaceSelector }
        : {}),
    })),
  );
  const fallback =
    config.policyFile !== undefined
      ? { slot: '', policy: await load(config.policyFile) }
      : undefined;
  return { ...(fallback ? { fallback } : {}), bindings };
}

/** The policy served at `/admission/validate` (slot '') or `/admission/validate/<slot>`. */
export function policyAt(policies: AdmissionPolicies, slot: string): BoundPolicy | undefined {
  if (slot === '') return policies.fallback;
  if (!/^(0|[1-9]\d{0,3})$/.test(slot)) return undefined;
  return policies.bindings[Number(slot)];
}
