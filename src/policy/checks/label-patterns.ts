/**
 * The map form of `requiredLabels`: each value must match an RE2 pattern (RE2JS: linear time on
 * hostile patterns and values), anchored at both ends. Loaded only for policies that use it.
 */
import { RE2JS } from 're2js';

import { PolicyError } from '../../errors.js';
import type { Re2Matcher } from './labels.js';

/** Compiles the map form's patterns; `where` names the rule in errors. */
export function compileLabelPatterns(
  patterns: Record<string, string>,
  where: string,
): Map<string, Re2Matcher> {
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
