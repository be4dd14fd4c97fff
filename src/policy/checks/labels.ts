/**
 * `requiredLabels`: labels the image's config must carry. The list form requires presence (a
 * non-empty value); the map form also requires the value to match an RE2 pattern (linear time:
 * RE2JS, as the keyless identity patterns), anchored at both ends.
 */
import { createRequire } from 'node:module';

import type * as Re2js from 're2js';

import { PolicyError } from '../../errors.js';
import type { PolicyInput } from '../types.js';
import { failedWith, passed, type CheckOutcome } from './outcome.js';

const require = createRequire(import.meta.url);

/** A compiled pattern. */
export interface Re2Matcher {
  matches(text: string): boolean;
}

/** Compiles the map form's patterns; `where` names the rule in errors. */
export function compileLabelPatterns(
  patterns: Record<string, string>,
  where: string,
): Map<string, Re2Matcher> {
  const { RE2JS } = require('re2js') as typeof Re2js;
  const compiled = new Map<string, Re2Matcher>();
  for (const [label, pattern] of Object.entries(patterns)) {
    try {
      const re = RE2JS.compile(`^(?:${pattern})$`);
      compiled.set(label, { matches: (text) => re.matcher(text).matches() });
    } catch (cause) {
      throw new PolicyError(
        'POLICY_INVALID',
        `${where}.${label}: ${JSON.stringify(pattern)} is not a valid RE2 pattern`,
        { cause },
      );
    }
  }
  return compiled;
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
