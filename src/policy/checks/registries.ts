/**
 * `allowedRegistries`: the image's registry host (with its port, when it has one) must be listed.
 * `*.example.com` allows every subdomain of example.com (not example.com itself), as Kyverno's
 * and Gatekeeper's registry patterns; a pattern without a port matches only the host without one.
 * Docker Hub images have the registry `docker.io`. A local target (a directory, an archive) has
 * no registry and fails the check.
 */
import type { PolicyInput } from '../types.js';
import { passed, type CheckOutcome } from './outcome.js';

/** Runs the check. */
export function checkAllowedRegistries(
  allowed: readonly string[],
  input: PolicyInput,
): CheckOutcome {
  const registry = input.image.registry.toLowerCase();
  if (registry === '') {
    return { pass: false, reason: 'the image was not read from a registry' };
  }
  if (allowed.some((pattern) => registryMatches(pattern.toLowerCase(), registry))) return passed;
  return { pass: false, reason: `registry ${registry} is not allowed` };
}

/** True when `registry` (`host[:port]`) is allowed by `pattern`. */
export function registryMatches(pattern: string, registry: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === registry;
  const suffix = pattern.slice(1); // `.example.com[:port]`
  const { host: patternHost, port: patternPort } = splitPort(suffix);
  const { host, port } = splitPort(registry);
  return port === patternPort && host.endsWith(patternHost) && host.length > patternHost.length;
}

function splitPort(value: string): { host: string; port: string } {
  const match = /^(.*?)(?::(\d+))?$/.exec(value);
  return { host: match?.[1] ?? value, port: match?.[2] ?? '' };
}
