/**
 * Which registries a policy allows: the hosts of every `allowedRegistries` rule of the document
 * (whether the rule denies or warns, it names registries the policy's author expects). A pattern
 * is `host[:port]` (exact, case-insensitive) or `*.example.com` (any name below example.com).
 */
import type { CompiledPolicy } from '../policy/types.js';

/** The `allowedRegistries` patterns of a policy, in document order. */
export function allowedRegistriesOf(policy: CompiledPolicy): string[] {
  return policy.document.spec.rules.flatMap((rule) => rule.allowedRegistries ?? []);
}

/**
 * True when `registry` (`host[:port]`, as in a parsed reference) matches one of `patterns`.
 * @example registryAllowed('eu.registry.example.com', ['*.registry.example.com']) // true
 */
export function registryAllowed(registry: string, patterns: readonly string[]): boolean {
  const host = registry.toLowerCase();
  return patterns.some((raw) => {
    const pattern = raw.toLowerCase();
    if (pattern.startsWith('*.'))
      return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
    return host === pattern;
  });
}
