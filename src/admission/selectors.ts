/**
 * The `namespaceSelector` of each generated validating webhook. `admission.policies` applies the
 * first binding whose selector matches a namespace, and `admission.policyFile` the namespaces no
 * binding takes; the API server calls every webhook whose selector matches, so webhook n also
 * carries the negation of each earlier binding's selector. A selector of one requirement negates
 * exactly (`In` ↔ `NotIn`, `Exists` ↔ `DoesNotExist`, a label value → `NotIn`); one of several
 * requirements cannot be negated within a label selector, and a namespace it matches is then
 * also checked by the later policy too (stricter, never looser — documented in docs/admission.md).
 * Every webhook leaves out Moat's own namespace and `kube-system`, so that the webhook's own pods
 * and the control plane never wait on it.
 */
import type { LabelSelector } from '../server/config.js';

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

/** The label Kubernetes (1.21+) sets on every namespace to its name. */
export const namespaceNameLabel = 'kubernetes.io/metadata.name';

function requirementsOf(selector: LabelSelector | undefined): Requirement[] {
  if (selector === undefined) return [];
  return [
    ...Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
      key,
      operator: 'In' as const,
      values: [value],
    })),
    ...(selector.matchExpressions ?? []),
  ];
}

/** The requirement that matches exactly the namespaces `requirement` does not. */
function negated(requirement: Requirement): Requirement {
  switch (requirement.operator) {
    case 'In':
      return { key: requirement.key, operator: 'NotIn', values: requirement.values ?? [] };
    case 'NotIn':
      return { key: requirement.key, operator: 'In', values: requirement.values ?? [] };
    case 'Exists':
      return { key: requirement.key, operator: 'DoesNotExist' };
    case 'DoesNotExist':
      return { key: requirement.key, operator: 'Exists' };
  }
}

/** A webhook's selector: `own` (undefined: every namespace) minus `earlier` minus `excluded`. */
export interface WebhookSelector {
  /** Undefined when no namespace is left (an earlier binding matches every namespace). */
  selector?: LabelSelector;
  /** Earlier bindings whose selector could not be negated (overlap checked by both policies). */
  overlaps: number[];
}

/**
 * The namespace selector of the webhook of a binding.
 * @example webhookSelector({ matchLabels: { env: 'prod' } }, [], ['moat-system', 'kube-system'])
 */
export function webhookSelector(
  own: LabelSelector | undefined,
  earlier: readonly (LabelSelector | undefined)[],
  excluded: readonly string[],
): WebhookSelector {
  const requirements = requirementsOf(own);
  const overlaps: number[] = [];
  for (const [index, selector] of earlier.entries()) {
    const theirs = requirementsOf(selector);
    if (theirs.length === 0) return { overlaps };
    const [only] = theirs;
    if (theirs.length === 1 && only !== undefined) requirements.push(negated(only));
    else overlaps.push(index);
  }
  requirements.push({ key: namespaceNameLabel, operator: 'NotIn', values: [...excluded] });
  return { selector: { matchExpressions: requirements }, overlaps };
}
