/**
 * The policy input as CEL values, converted once per evaluation with the shapes of its values
 * (for the cost estimate) in the same pass. `@bufbuild/cel` accepts plain objects but converts an
 * object to a map again on every field access (`Object.entries` each time), which made a pass over
 * 2,000 packages cost ~10 µs a package; converted once, a field access is a map lookup.
 *
 * Shapes are exact down to lists; a list's elements share one bound (the heaviest element's
 * weight and entry count), without per-field detail: a member of an element is bounded by the
 * element's weight (shape.ts `partOf`). That keeps the pass linear with one small object per list.
 */
import { celList, celMap, type CelInput } from '@bufbuild/cel';

import { PolicyError } from '../../errors.js';
import type { Shape } from './shape.js';

/**
 * Deepest nesting converted: a signed attestation's predicate or an image config can nest as deep
 * as its size allows, and conversion recurses.
 */
const maxDepth = 64;

function tooDeep(): PolicyError {
  return new PolicyError(
    'POLICY_EVALUATION',
    `the policy input nests deeper than ${maxDepth} levels (an image configuration or attestation)`,
  );
}

/** The CEL value of `value` and its shape. */
export function toCelWithShape(value: unknown, depth = 0): { value: CelInput; shape: Shape } {
  if (depth > maxDepth) throw tooDeep();
  if (Array.isArray(value)) {
    const items: CelInput[] = [];
    const size: Size = { weight: 0, count: 0 };
    let weight = 1;
    let elemWeight = 0;
    let elemCount = 0;
    for (const item of value as unknown[]) {
      if (item === undefined) continue;
      size.weight = 0;
      size.count = 0;
      items.push(untracked(item, size, true, depth + 1));
      weight += size.weight + 1;
      if (size.weight > elemWeight) elemWeight = size.weight;
      if (size.count > elemCount) elemCount = size.count;
    }
    const elem = items.length > 0 ? { elem: { weight: elemWeight, count: elemCount } } : {};
    return { value: celList(items), shape: { weight, count: items.length, ...elem } };
  }
  if (value !== null && typeof value === 'object') {
    const entries = new Map<string, CelInput>();
    const fields = new Map<string, Shape>();
    let weight = 1;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      // JSON semantics: an undefined member is absent (CEL's has() must say false).
      if (item === undefined) continue;
      const converted = toCelWithShape(item, depth + 1);
      entries.set(key, converted.value);
      fields.set(key, converted.shape);
      weight += converted.shape.weight + key.length + 1;
    }
    return { value: celMap(entries), shape: { weight, count: entries.size, fields } };
  }
  const size: Size = { weight: 0, count: 0 };
  return { value: untracked(value, size, true, depth), shape: size };
}

/** A value's weight and entry count, added up in place (no object per converted value). */
interface Size {
  weight: number;
  count: number;
}

/** Converts a value inside a list, adding its weight to `size` (and its entries, at its top). */
function untracked(value: unknown, size: Size, top: boolean, depth: number): CelInput {
  if (depth > maxDepth) throw tooDeep();
  switch (typeof value) {
    case 'string':
      size.weight += value.length;
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      size.weight += 1;
      return value;
    default:
      break;
  }
  if (value === null || value === undefined) {
    size.weight += 1;
    return null;
  }
  size.weight += 1;
  if (Array.isArray(value)) {
    const items: CelInput[] = [];
    for (const item of value as unknown[]) {
      if (item === undefined) continue;
      items.push(untracked(item, size, false, depth + 1));
      size.weight += 1;
    }
    if (top) size.count = items.length;
    return celList(items);
  }
  const entries = new Map<string, CelInput>();
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    entries.set(key, untracked(item, size, false, depth + 1));
    size.weight += key.length + 1;
  }
  if (top) size.count = entries.size;
  return celMap(entries);
}
