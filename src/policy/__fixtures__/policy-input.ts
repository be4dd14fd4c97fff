/**
 * Builders for policy tests: a policy from its rules, and a {@link PolicyInput} with only what a
 * test sets (a clean, unsigned image from `registry.example.com` running as `app` otherwise).
 */
import type { PolicyInput, PolicyPackage, PolicyVulnerability } from '../types.js';

/** The YAML of a policy named `test` holding `rules` (YAML text, indented as list items). */
export function policyYaml(rules: string): string {
  const body = rules
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `apiVersion: moat.dev/v1\nkind: Policy\nmetadata:\n  name: test\nspec:\n  rules:\n${body}\n`;
}

/** A vulnerability with defaults. */
export function vulnerability(overrides: Partial<PolicyVulnerability> = {}): PolicyVulnerability {
  return {
    id: 'CVE-2024-0001',
    aliases: [],
    severity: 'HIGH',
    status: 'fixed',
    fixedVersions: ['1.2.0'],
    packageName: 'lib',
    installedVersion: '1.0.0',
    purl: 'pkg:npm/lib@1.0.0',
    cvssScore: 7.5,
    ...overrides,
  };
}

/** A package with defaults. */
export function pkg(name: string, version = '1.0.0', type = 'npm'): PolicyPackage {
  return { name, version, type, purl: `pkg:${type}/${name}@${version}` };
}

/** An input with `overrides` applied to a clean image. */
export function inputWith(
  overrides: {
    image?: Partial<PolicyInput['image']>;
    packages?: PolicyPackage[];
    vulnerabilities?: PolicyVulnerability[];
    signatures?: PolicyInput['signatures'];
    attestations?: PolicyInput['attestations'];
  } = {},
): PolicyInput {
  const vulnerabilities = overrides.vulnerabilities ?? [];
  const summary = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const v of vulnerabilities) summary[v.severity]++;
  return {
    image: {
      reference: 'registry.example.com/team/app:1.0',
      registry: 'registry.example.com',
      repository: 'team/app',
      tag: '1.0',
      digest: `sha256:${'a'.repeat(64)}`,
      config: {
        created: '2026-01-01T00:00:00Z',
        config: { User: 'app', Labels: { team: 'core' } },
      },
      labels: { team: 'core' },
      created: '2026-01-01T00:00:00Z',
      user: 'app',
      ...overrides.image,
    },
    scan: { packages: overrides.packages ?? [pkg('lib')], vulnerabilities, summary },
    signatures: overrides.signatures ?? [],
    attestations: overrides.attestations ?? [],
  };
}
