/**
 * buildPolicyInput: what the CEL variables and the checks see of a scan — the reference split
 * (Docker Hub names normalised, local targets without a registry), the configuration's user,
 * labels and creation time, package names as ecosystems write them, severity counts.
 */
import { describe, expect, test } from 'vitest';

import type { Inventory } from '../catalog/types.js';
import type { Finding } from '../match/types.js';
import { buildPolicyInput } from './input.js';

function inventory(
  overrides: Partial<Inventory['artifact']> = {},
  packages: Inventory['packages'] = [],
): Inventory {
  return {
    target: 'x',
    artifact: {
      kind: 'container_image',
      name: 'app',
      transport: 'registry',
      repoTags: [],
      layers: [],
      labels: {},
      ...overrides,
    },
    packages,
    warnings: [],
    createdAt: '2026-01-01T00:00:00Z',
  };
}

function finding(id: string, severity: Finding['severity']): Finding {
  return {
    id,
    aliases: [],
    purl: 'pkg:npm/a@1',
    packageName: 'a',
    installedVersion: '1',
    fixedVersions: [],
    status: 'affected',
    statusSource: 'osv:npm',
    severity,
    cvss: [{ version: '3.1', vector: 'CVSS:3.1/…', score: 9.8 }],
    title: id,
    references: [],
    path: '/a',
    dataSource: 'npm',
  };
}

const base = { digest: 'sha256:abc', findings: [] as Finding[] };

describe('buildPolicyInput', () => {
  test('splits a registry reference, normalising Docker Hub names', () => {
    const hub = buildPolicyInput({
      ...base,
      reference: 'alpine',
      config: {},
      inventory: inventory(),
    });
    expect(hub.image).toMatchObject({
      registry: 'docker.io',
      repository: 'library/alpine',
      tag: 'latest',
    });
    const own = buildPolicyInput({
      ...base,
      reference: 'docker://127.0.0.1:5000/team/app:1.0',
      config: {},
      inventory: inventory(),
    });
    expect(own.image).toMatchObject({
      registry: '127.0.0.1:5000',
      repository: 'team/app',
      tag: '1.0',
    });
  });

  test('a local target has no registry, even when its path looks like a reference', () => {
    const input = buildPolicyInput({
      ...base,
      reference: 'oci:./layout:app',
      config: {},
      inventory: inventory({ transport: 'oci', name: 'layout', repoTags: ['layout:app'] }),
    });
    expect(input.image).toMatchObject({ registry: '', repository: 'layout', tag: 'app' });
  });

  test('takes user, labels and creation time from the configuration, without undefined members', () => {
    const input = buildPolicyInput({
      ...base,
      reference: 'registry.example.com/a:1',
      config: {
        created: '2026-01-02T03:04:05Z',
        config: { User: '1000', Labels: { team: 'core' }, Env: undefined },
      },
      inventory: inventory(),
    });
    expect(input.image).toMatchObject({
      user: '1000',
      labels: { team: 'core' },
      created: '2026-01-02T03:04:05Z',
    });
    expect(Object.keys(input.image.config.config ?? {})).toEqual(['User', 'Labels']);
  });

  test('writes package names as their ecosystems do', () => {
    const input = buildPolicyInput({
      ...base,
      reference: 'r.example/a:1',
      config: {},
      inventory: inventory({}, [
        {
          name: 'core',
          namespace: '@babel',
          version: '7.0.0',
          type: 'npm',
          licenses: [],
          path: '/p',
          purl: 'pkg:npm/%40babel/core@7.0.0',
        },
        {
          name: 'log4j-core',
          namespace: 'org.apache.logging.log4j',
          version: '2.14.1',
          type: 'maven',
          licenses: [],
          path: '/j',
        },
      ]),
    });
    expect(input.scan.packages.map((p) => [p.name, p.purl])).toEqual([
      ['@babel/core', 'pkg:npm/%40babel/core@7.0.0'],
      ['org.apache.logging.log4j:log4j-core', ''],
    ]);
  });

  test('counts vulnerabilities by severity and keeps the highest CVSS score', () => {
    const input = buildPolicyInput({
      ...base,
      reference: 'r.example/a:1',
      config: {},
      inventory: inventory(),
      findings: [
        finding('CVE-1', 'CRITICAL'),
        finding('CVE-2', 'CRITICAL'),
        finding('CVE-3', 'LOW'),
      ],
    });
    expect(input.scan.summary).toEqual({ CRITICAL: 2, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    expect(input.scan.vulnerabilities[0]?.cvssScore).toBe(9.8);
  });

  test('a configuration nested past any real one is cut with a marker, not a stack overflow', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const config = { config: { ExposedPorts: { '80/tcp': deep } } } as never;
    const input = buildPolicyInput({
      ...base,
      reference: 'r.example/a:1',
      config,
      inventory: inventory(),
    });
    let value: unknown = input.image.config.config?.ExposedPorts?.['80/tcp'];
    let depth = 3;
    while (Array.isArray(value)) {
      value = value[0];
      depth++;
    }
    expect(value).toBe('(nested deeper than 32 levels)');
    expect(depth).toBe(33);
  });
});
