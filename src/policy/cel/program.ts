/**
 * CEL expressions of policy rules, with `@bufbuild/cel` (pure TypeScript, runs on Node 20):
 * compiled once with the policy (syntax errors and over-deep trees are refused then), evaluated
 * over a {@link PolicyInput} after the cost estimate (cost.ts) has shown that this input cannot
 * make it run long or allocate without bound. An expression must yield a bool; anything else, an
 * evaluation error (no such field, no matching overload) or the cost limit is an error result.
 */
import { celEnv, isCelError, parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';

import { PolicyError } from '../../errors.js';
import type { PolicyLimits } from '../limits.js';
import type { PolicyInput } from '../types.js';
import { toCelWithShape } from './bindings.js';
import { estimateCost } from './cost.js';
import type { Shape } from './shape.js';

/** A CEL syntax tree node (the parser's `Expr` message). */
type Expr = ReturnType<typeof parse>['expr'];

/** A compiled expression. */
export interface CelProgram {
  readonly source: string;
  /** Converts an input for this and every other expression ({@link celInputOf}). */
  prepare(input: PolicyInput): CelInputs;
  /** Evaluates over an input prepared by {@link celInputOf}; throws `POLICY_EVALUATION`. */
  evaluate(input: CelBindings, shapes: ReadonlyMap<string, Shape>): boolean;
}

/** The CEL variables: the top-level fields of {@link PolicyInput}, as CEL values. */
export type CelBindings = Record<keyof PolicyInput, CelInput>;

/** The CEL variables of `input` and their shapes, computed once for all of a policy's expressions. */
export interface CelInputs {
  bindings: CelBindings;
  shapes: ReadonlyMap<string, Shape>;
}

/** Converts `input` for evaluation (one pass: CEL values and shapes). */
export function celInputOf(input: PolicyInput): CelInputs {
  const bindings: Partial<CelBindings> = {};
  const shapes = new Map<string, Shape>();
  for (const name of ['image', 'scan', 'signatures', 'attestations'] as const) {
    const { value, shape } = toCelWithShape(input[name]);
    bindings[name] = value;
    shapes.set(name, shape);
  }
  return { bindings: bindings as CelBindings, shapes };
}

const env = celEnv();

/**
 * Compiles `source`; `where` names the rule (`policy.yaml:12: spec.rules[3].expression`).
 * @throws PolicyError `POLICY_INVALID` for a syntax error or a tree deeper than the limit.
 */
export function compileExpression(source: string, where: string, limits: PolicyLimits): CelProgram {
  if (source.length > limits.maxExpressionLength) {
    throw new PolicyError(
      'POLICY_INVALID',
      `${where}: the expression is longer than ${limits.maxExpressionLength} characters`,
    );
  }
  // The parser recurses per nesting level: parentheses are counted first so that a hostile
  // expression cannot overflow the stack.
  if (nestingOf(source) > limits.maxExpressionDepth) {
    throw new PolicyError(
      'POLICY_INVALID',
      `${where}: the expression nests deeper than ${limits.maxExpressionDepth} levels`,
    );
  }
  let expr: Expr;
  try {
    expr = parse(source).expr;
  } catch (cause) {
    throw new PolicyError(
      'POLICY_INVALID',
      `${where}: CEL syntax error: ${oneLine(cause instanceof Error ? cause.message : String(cause))}`,
      { cause },
    );
  }
  if (depthOf(expr) > limits.maxExpressionDepth * 4) {
    throw new PolicyError(
      'POLICY_INVALID',
      `${where}: the expression nests deeper than ${limits.maxExpressionDepth} levels`,
    );
  }
  const unknown = freeNames(expr).find((name) => !knownNames.has(name));
  if (unknown !== undefined) {
    throw new PolicyError(
      'POLICY_INVALID',
      `${where}: unknown variable "${unknown}" (expected image, scan, signatures or attestations)`,
    );
  }
  const run = plan(env, expr);
  return {
    source,
    prepare: celInputOf,
    evaluate(input, shapes) {
      const cost = estimateCost(expr, shapes);
      if (cost > limits.maxExpressionCost) {
        throw new PolicyError(
          'POLICY_EVALUATION',
          `the expression may cost ${Math.round(cost)} units over this image, more than the limit of ${limits.maxExpressionCost}; refused without running it`,
        );
      }
      let result: CelResult;
      try {
        result = run(input);
      } catch (cause) {
        throw new PolicyError('POLICY_EVALUATION', `evaluation failed: ${messageOf(cause)}`, {
          cause,
        });
      }
      if (isCelError(result)) {
        throw new PolicyError('POLICY_EVALUATION', oneLine(result.message));
      }
      if (typeof result !== 'boolean') {
        throw new PolicyError(
          'POLICY_EVALUATION',
          `the expression gave ${describe(result)}, not a bool`,
        );
      }
      return result;
    },
  };
}

/** The variables, CEL's type names (`type(x) == string`) and the root of protobuf type names. */
const knownNames = new Set([
  'image',
  'scan',
  'signatures',
  'attestations',
  'bool',
  'bytes',
  'double',
  'dyn',
  'int',
  'list',
  'map',
  'null_type',
  'string',
  'type',
  'uint',
  'google',
]);

/** Identifiers the expression reads that no macro binds: a typo such as `imag` is found here. */
function freeNames(expr: Expr): string[] {
  const free: string[] = [];
  const stack: Array<[Expr, ReadonlySet<string>]> = [[expr, new Set()]];
  while (stack.length > 0) {
    const [node, bound] = stack.pop() as [Expr, ReadonlySet<string>];
    const kind = node.exprKind;
    if (kind.case === 'identExpr') {
      if (!bound.has(kind.value.name)) free.push(kind.value.name);
      continue;
    }
    if (kind.case === 'comprehensionExpr') {
      const c = kind.value;
      const inner = new Set([...bound, c.iterVar, c.iterVar2, c.accuVar]);
      for (const child of [c.iterRange, c.accuInit]) if (child) stack.push([child, bound]);
      for (const child of [c.loopCondition, c.loopStep, c.result])
        if (child) stack.push([child, inner]);
      continue;
    }
    for (const child of childrenOf(node)) stack.push([child, bound]);
  }
  return free;
}

/** Deepest bracket nesting of the text (strings skipped roughly: a bound, not a parse). */
function nestingOf(source: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') deepest = Math.max(deepest, ++depth);
    else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
  }
  return deepest;
}

/** Depth of the syntax tree (operators chain without brackets: `a + a + a …`). */
function depthOf(expr: Expr): number {
  let deepest = 0;
  const stack: Array<[Expr, number]> = [[expr, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [Expr, number];
    deepest = Math.max(deepest, depth);
    for (const child of childrenOf(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function childrenOf(expr: Expr): Expr[] {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'selectExpr':
      return kind.value.operand !== undefined ? [kind.value.operand] : [];
    case 'callExpr':
      return [...(kind.value.target !== undefined ? [kind.value.target] : []), ...kind.value.args];
    case 'listExpr':
      return kind.value.elements;
    case 'structExpr':
      return kind.value.entries.flatMap((e) => [
        ...(e.value !== undefined ? [e.value] : []),
        ...(e.keyKind.case === 'mapKey' ? [e.keyKind.value] : []),
      ]);
    case 'comprehensionExpr': {
      const c = kind.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].filter(
        (e): e is Expr => e !== undefined,
      );
    }
    default:
      return [];
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint' || typeof value === 'number') return `a number (${String(value)})`;
  if (typeof value === 'string') return 'a string';
  return 'a value of another type';
}

function messageOf(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 500);
}
