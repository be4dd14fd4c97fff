/**
 * What compiling a policy adds to its document, kept out of the public {@link CompiledPolicy}
 * shape: per rule, the compiled expression, the signature verifications, the label patterns.
 */
import type { Re2Matcher } from './checks/labels.js';
import type { CelProgram } from './cel/program.js';
import type { VerificationPolicy } from '../sign/types.js';
import type { CheckKind, CompiledPolicy, PolicyRule } from './types.js';

/** One rule, ready to evaluate. */
export interface RuleProgram {
  rule: PolicyRule;
  check: CheckKind;
  expression?: CelProgram;
  /** `requireSignatures`: its keys (one policy), then one policy per keyless identity. */
  verifications: VerificationPolicy[];
  /** `requiredLabels` in map form: label name → compiled RE2 pattern. */
  labelPatterns?: Map<string, Re2Matcher>;
}

const programs = new WeakMap<CompiledPolicy, readonly RuleProgram[]>();

/** Records the rules of a policy compilePolicy built. */
export function setProgram(policy: CompiledPolicy, rules: readonly RuleProgram[]): void {
  programs.set(policy, rules);
}

/** The rules of a compiled policy; throws for an object compilePolicy did not build. */
export function programOf(policy: CompiledPolicy): readonly RuleProgram[] {
  const rules = programs.get(policy);
  if (rules === undefined) {
    throw new TypeError(
      'not a compiled policy: build it with parsePolicy, compilePolicy or loadPolicyFile',
    );
  }
  return rules;
}
