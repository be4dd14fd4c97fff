/**
 * Evaluating a compiled policy over one image: every rule in document order, each `pass`, `fail`
 * or `error` (an expression that fails or passes its cost limit, a signature store that could not
 * be read). The image is allowed unless a `deny` rule failed or errored; `warn` rules never deny.
 * Pure: no I/O, the clock only from `options.now`.
 */
import { isMoatError } from '../errors.js';
import type { CelInputs } from './cel/program.js';
import { checkAllowedRegistries } from './checks/registries.js';
import { checkMaxAge, checkNonRoot } from './checks/image.js';
import { checkRequiredLabels } from './checks/labels.js';
import type { CheckOutcome } from './checks/outcome.js';
import { checkForbiddenPackages } from './checks/packages.js';
import { checkSignatures, type KeyHints } from './checks/signatures.js';
import { checkMaxSeverity } from './checks/vulnerabilities.js';
import { programOf, type RuleProgram } from './program.js';
import type { CompiledPolicy, Decision, PolicyInput, RuleResult } from './types.js';

/** Options of {@link evaluatePolicy}. */
export interface EvaluateOptions {
  /** The clock for `maxAge` (default: now). */
  now?: Date;
  /** Rules that could not be evaluated, by name (gatherSignatures' errors): they come out `error`. */
  errors?: ReadonlyMap<string, string>;
}

/**
 * Evaluates `policy` over `input`.
 * @example
 * const decision = await evaluatePolicy(policy, { ...buildPolicyInput(parts), signatures, attestations }, { errors });
 * if (!decision.allowed) console.log(decision.results.filter((r) => r.outcome !== 'pass'));
 */
export function evaluatePolicy(
  policy: CompiledPolicy,
  input: PolicyInput,
  options: EvaluateOptions = {},
): Promise<Decision> {
  // Asynchronous by contract (an evaluation may move off the caller's thread one day); every
  // failure, even a misuse, arrives as a rejection.
  try {
    return Promise.resolve(decide(policy, input, options));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function decide(policy: CompiledPolicy, input: PolicyInput, options: EvaluateOptions): Decision {
  const now = options.now ?? new Date();
  const rules = programOf(policy);
  const context = new EvaluationContext(input, rules);
  const results = rules.map((program): RuleResult => {
    const rule = program.rule;
    const action = rule.enforcementAction ?? 'deny';
    const base = { rule: rule.name, check: program.check, action };
    const error = options.errors?.get(rule.name);
    if (error !== undefined) {
      return { ...base, outcome: 'error', message: withReason(rule.message, error) };
    }
    try {
      const outcome = runCheck(program, context, now);
      if (outcome.pass)
        return { ...base, outcome: 'pass', message: rule.message ?? defaultMessage(program) };
      return { ...base, outcome: 'fail', message: withReason(rule.message, outcome.reason) };
    } catch (cause) {
      if (!isMoatError(cause)) throw cause;
      return { ...base, outcome: 'error', message: withReason(rule.message, cause.message) };
    }
  });
  return {
    policy: policy.name,
    policyHash: policy.hash,
    reference: input.image.reference,
    digest: input.image.digest,
    allowed: !results.some((r) => r.action === 'deny' && r.outcome !== 'pass'),
    results,
    evaluatedAt: now.toISOString(),
  };
}

/** What the rules of one evaluation share: CEL bindings and shapes, computed once if needed. */
class EvaluationContext {
  private cel?: CelInputs;
  readonly hints: KeyHints;

  constructor(
    readonly input: PolicyInput,
    rules: readonly RuleProgram[],
  ) {
    const hints = new Map<string, string>();
    for (const rule of rules)
      for (const verification of rule.verifications)
        for (const key of verification.keys ?? []) hints.set(key.source, key.hint);
    this.hints = hints;
  }

  /** The CEL variables, converted on the first expression (the CEL module is loaded then). */
  celInput(prepare: (input: PolicyInput) => CelInputs): CelInputs {
    this.cel ??= prepare(this.input);
    return this.cel;
  }
}

function runCheck(program: RuleProgram, context: EvaluationContext, now: Date): CheckOutcome {
  const rule = program.rule;
  const input = context.input;
  switch (program.check) {
    case 'maxSeverity':
      return checkMaxSeverity(rule.maxSeverity ?? { severity: 'UNKNOWN' }, input);
    case 'requireSignatures':
      return checkSignatures(
        rule.name,
        rule.requireSignatures ?? {},
        program.verifications,
        context.hints,
        input,
      );
    case 'allowedRegistries':
      return checkAllowedRegistries(rule.allowedRegistries ?? [], input);
    case 'nonRoot':
      return checkNonRoot(rule.nonRoot ?? false, input);
    case 'requiredLabels':
      return checkRequiredLabels(
        program.labelPatterns ?? (Array.isArray(rule.requiredLabels) ? rule.requiredLabels : []),
        input,
      );
    case 'maxAge':
      return checkMaxAge(rule.maxAge ?? '0s', input, now);
    case 'forbiddenPackages':
      return checkForbiddenPackages(rule.forbiddenPackages ?? [], input);
    case 'expression': {
      const expression = program.expression;
      if (expression === undefined) return { pass: false, reason: 'the expression is missing' };
      const { bindings, shapes } = context.celInput((input) => expression.prepare(input));
      const holds = expression.evaluate(bindings, shapes);
      return holds ? { pass: true } : { pass: false, reason: 'the expression is false' };
    }
  }
}

function withReason(message: string | undefined, reason: string): string {
  return message === undefined ? reason : `${message}: ${reason}`;
}

function defaultMessage(program: RuleProgram): string {
  return `${program.check} holds`;
}
