/** Which check a rule runs: the one field of {@link RuleChecks} it sets. */
import type { CheckKind, PolicyRule } from './types.js';

/** Every check, in the order docs/policy.md lists them. */
export const checkKinds = [
  'maxSeverity',
  'requireSignatures',
  'allowedRegistries',
  'nonRoot',
  'requiredLabels',
  'maxAge',
  'forbiddenPackages',
  'expression',
] as const satisfies readonly CheckKind[];

/** The check a validated rule sets. */
export function checkOf(rule: PolicyRule): CheckKind {
  return checkKinds.find((kind) => rule[kind] !== undefined) ?? 'expression';
}
