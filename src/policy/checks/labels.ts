/**
 * `requiredLabels`: labels the image's config must carry. The list form requires presence (a
 * non-empty value); the map form also requires the value to match an RE2 pattern (linear time:
 * RE2JS, as the keyless identity patterns), anchored at both ends, compiled by label-patterns.ts.
 */
import type { PolicyInput } from '../types.js';
import { failedWith, passed, type CheckOutcome } from './outcome.js';

/** A compiled pattern (label-patterns.ts). */
export interface Re2Matcher {
  matches(text: string): boolean;
}

/** Runs the check: names, or the compiled patterns of the map form. */
export function checkRequiredLabels(
  required: readonly string[] | ReadonlyMap<string, Re2Matcher>,
  input: PolicyInput,
): CheckOutcome {
  const labels = input.image.labels;
  const value = (name: string) => (Object.hasOwn(labels, name) ? labels[name] : undefined);
  const missing: string[] = [];
  const mismatched: string[] = [];
  const entries: Array<[string, Re2Matcher | undefined]> =
    required instanceof Map
      ? [...(required as ReadonlyMap<string, Re2Matcher>)]
      : (required as readonly string[]).map((name): [string, undefined] => [name, undefined]);
  for (const [name, pattern] of entries) {
    const actual = value(name);
    if (actual === undefined || actual === '') missing.push(name);
    else if (pattern !== undefined && !pattern.matches(actual)) {
      mismatched.push(`${name}=${JSON.stringify(actual.slice(0, 100))}`);
    }
  }
  if (missing.length > 0) return failedWith('missing labels', missing, 5);
  if (mismatched.length > 0) return failedWith('labels with values not allowed', mismatched, 5);
  return passed;
}
