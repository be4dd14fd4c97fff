/**
 * The cost limit of CEL expressions: a static estimate of the worst case over the syntax tree,
 * with the shapes (sizes) of this input's values. CEL has no loops or recursion; only the macros
 * (`all`, `exists`, `exists_one`, `map`, `filter`) iterate, each over a list whose size the
 * shapes bound, and only `+`, list and map literals and `map` make values larger. So the product
 * of the iteration counts along nested macros, times what each step touches, bounds both the time
 * and the memory an evaluation can use. An expression whose estimate passes the limit is never
 * run. The estimate is linear in the size of the tree.
 */
import type { parse } from '@bufbuild/cel';

import { joinShapes, listShape, partOf, scalarShape, type Shape } from './shape.js';

/** A CEL syntax tree node (the parser's `Expr` message). */
type Expr = ReturnType<typeof parse>['expr'];

/** What evaluating a node may cost and how large its value may be. */
interface Estimate {
  cost: number;
  shape: Shape;
}

/** Names in scope: input variables and macro variables. */
type Scope = ReadonlyMap<string, Shape>;

/** Macro accumulators are named `@result` (not a name a user can write). */
const accumulatorPrefix = '@';

/**
 * The worst-case cost of `expr` over values bounded by `variables`, in units of about one value
 * touched (one element, one character compared or copied).
 */
export function estimateCost(expr: Expr, variables: Scope): number {
  return estimate(expr, variables).cost;
}

function estimate(expr: Expr, scope: Scope): Estimate {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'constExpr': {
      const constant = kind.value.constantKind;
      const weight =
        constant.case === 'stringValue' || constant.case === 'bytesValue'
          ? constant.value.length
          : 1;
      return { cost: 1, shape: { weight, count: 0 } };
    }
    case 'identExpr':
      return { cost: 1, shape: scope.get(kind.value.name) ?? scalarShape };
    case 'selectExpr': {
      const operand = kind.value.operand;
      const inner =
        operand === undefined ? { cost: 0, shape: scalarShape } : estimate(operand, scope);
      const shape =
        inner.shape.fields?.get(kind.value.field) ?? inner.shape.elem ?? partOf(inner.shape);
      return { cost: inner.cost + 1, shape: kind.value.testOnly ? scalarShape : shape };
    }
    case 'listExpr': {
      let cost = 1;
      let elem: Shape | undefined;
      for (const element of kind.value.elements) {
        const e = estimate(element, scope);
        cost += e.cost + 1;
        elem = elem === undefined ? e.shape : joinShapes(elem, e.shape);
      }
      return { cost, shape: listShape(kind.value.elements.length, elem) };
    }
    case 'structExpr': {
      let cost = 1;
      let elem: Shape | undefined;
      let weight = 1;
      for (const entry of kind.value.entries) {
        const parts = [
          entry.value,
          entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined,
        ];
        for (const part of parts) {
          if (part === undefined) continue;
          const e = estimate(part, scope);
          cost += e.cost + 1;
          weight += e.shape.weight + 1;
          elem = elem === undefined ? e.shape : joinShapes(elem, e.shape);
        }
      }
      const count = kind.value.entries.length;
      return { cost, shape: { weight, count, ...(elem !== undefined ? { elem } : {}) } };
    }
    case 'callExpr':
      return estimateCall(kind.value.function, kind.value.target, kind.value.args, scope);
    case 'comprehensionExpr':
      return estimateComprehension(kind.value, scope);
    default:
      return { cost: 1, shape: scalarShape };
  }
}

function estimateCall(
  name: string,
  target: Expr | undefined,
  args: readonly Expr[],
  scope: Scope,
): Estimate {
  const operands = [...(target !== undefined ? [target] : []), ...args].map((a) =>
    estimate(a, scope),
  );
  const cost = operands.reduce((sum, o) => sum + o.cost, 1);
  const weights = operands.map((o) => o.shape.weight);
  const total = weights.reduce((sum, w) => sum + w, 0);
  const [first, second, third] = operands;
  switch (name) {
    case '_+_': {
      if (first === undefined || second === undefined) return { cost, shape: scalarShape };
      // A macro appending to its accumulator: what is appended is new, the rest is shared.
      const appends =
        args[0]?.exprKind.case === 'identExpr' &&
        args[0].exprKind.value.name.startsWith(accumulatorPrefix);
      const elem =
        first.shape.elem === undefined
          ? second.shape.elem
          : second.shape.elem === undefined
            ? first.shape.elem
            : joinShapes(first.shape.elem, second.shape.elem);
      const shape: Shape = {
        weight: first.shape.weight + second.shape.weight,
        count: first.shape.count + second.shape.count,
        ...(elem !== undefined ? { elem } : {}),
      };
      return { cost: cost + (appends ? second.shape.weight : shape.weight), shape };
    }
    case '_?_:_': {
      if (first === undefined || second === undefined || third === undefined) {
        return { cost, shape: scalarShape };
      }
      return {
        cost: first.cost + Math.max(second.cost, third.cost) + 1,
        shape: joinShapes(second.shape, third.shape),
      };
    }
    case '_[_]': {
      const container = first?.shape ?? scalarShape;
      return { cost: cost + 1, shape: container.elem ?? partOf(container) };
    }
    case 'matches': {
      // RE2 (linear time): text length times pattern length bounds the automaton's work.
      return { cost: cost + (weights[0] ?? 1) * Math.max(1, weights[1] ?? 1), shape: scalarShape };
    }
    case 'string':
    case 'bytes':
      return { cost: cost + total, shape: { weight: total + 32, count: 0 } };
    case 'dyn':
      return { cost, shape: first?.shape ?? scalarShape };
    default:
      // Comparisons, `in`, size, contains, conversions, time accessors: at most one pass over
      // their operands, a scalar result.
      return { cost: cost + total, shape: scalarShape };
  }
}

function estimateComprehension(
  c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value'],
  scope: Scope,
): Estimate {
  const range =
    c.iterRange === undefined ? { cost: 0, shape: scalarShape } : estimate(c.iterRange, scope);
  const n = range.shape.count;
  const inner = new Map(scope);
  // Over a list the variable is an element; over a map it is a key (bounded by the map's weight).
  const element =
    range.shape.fields !== undefined
      ? { weight: range.shape.weight, count: 0 }
      : (range.shape.elem ?? partOf(range.shape));
  inner.set(c.iterVar, element);
  if (c.iterVar2 !== '') inner.set(c.iterVar2, range.shape.elem ?? partOf(range.shape));
  const init =
    c.accuInit === undefined ? { cost: 0, shape: scalarShape } : estimate(c.accuInit, scope);
  // The accumulator grows by at most one step's addition per iteration: estimate the step with
  // the accumulator as it starts, then bound it after n steps.
  inner.set(c.accuVar, init.shape);
  const first =
    c.loopStep === undefined ? { cost: 0, shape: scalarShape } : estimate(c.loopStep, inner);
  const growth = Math.max(0, first.shape.weight - init.shape.weight);
  const grown: Shape = {
    weight: init.shape.weight + n * growth,
    count: init.shape.count + n * Math.max(0, first.shape.count - init.shape.count),
    ...(first.shape.elem !== undefined ? { elem: first.shape.elem } : {}),
  };
  inner.set(c.accuVar, grown);
  const step =
    c.loopStep === undefined ? { cost: 0, shape: scalarShape } : estimate(c.loopStep, inner);
  const condition =
    c.loopCondition === undefined
      ? { cost: 0, shape: scalarShape }
      : estimate(c.loopCondition, inner);
  const result = c.result === undefined ? { cost: 0, shape: grown } : estimate(c.result, inner);
  return {
    cost: range.cost + init.cost + n * (step.cost + condition.cost + 1) + result.cost,
    shape: result.shape,
  };
}
