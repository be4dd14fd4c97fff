/**
 * Shapes: upper bounds on the size of CEL values, from which the cost estimate (cost.ts) bounds
 * what an expression can spend. A shape is taken from the actual input (bindings.ts), so the
 * estimate for `scan.packages.map(…)` uses this image's package count.
 */

/** An upper bound on a value: its total weight and, for lists and maps, what each element is. */
export interface Shape {
  /** Characters of a string, bytes of bytes, 1 for a scalar; the sum of its parts plus one per entry for lists and maps. */
  weight: number;
  /** Entries of a list or map (0 for scalars). */
  count: number;
  /** Bounds every element of a list, or every value of a map. */
  elem?: Shape;
  /** Known fields of a map (an input object), tighter than `elem`. */
  fields?: ReadonlyMap<string, Shape>;
}

/** A scalar (bool, number, null, timestamp). */
export const scalarShape: Shape = { weight: 1, count: 0 };

/**
 * A bound on any part of a value whose parts are not tracked (the elements of a list inside a
 * list): no part weighs more, or has more entries, than the whole weighs.
 */
export function partOf(shape: Shape): Shape {
  return { weight: shape.weight, count: shape.weight };
}

/** The smallest shape bounding both. */
export function joinShapes(a: Shape, b: Shape): Shape {
  const elem =
    a.elem === undefined ? b.elem : b.elem === undefined ? a.elem : joinShapes(a.elem, b.elem);
  let fields: Map<string, Shape> | undefined;
  if (a.fields !== undefined && b.fields !== undefined) {
    fields = new Map(a.fields);
    for (const [key, shape] of b.fields) {
      const other = fields.get(key);
      fields.set(key, other === undefined ? shape : joinShapes(other, shape));
    }
  }
  return {
    weight: Math.max(a.weight, b.weight),
    count: Math.max(a.count, b.count),
    ...(elem !== undefined ? { elem } : {}),
    ...(fields !== undefined ? { fields } : {}),
  };
}

/** A list of `count` elements each bounded by `elem`. */
export function listShape(count: number, elem: Shape | undefined): Shape {
  return {
    weight: 1 + count * ((elem?.weight ?? 0) + 1),
    count,
    ...(elem !== undefined ? { elem } : {}),
  };
}
