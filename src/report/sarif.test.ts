import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';

import { finding } from '../filter/__fixtures__/finding.js';
import { sampleScan } from './__fixtures__/scan.js';
import { buildSarif, renderSarif, securitySeverity } from './sarif.js';

const schemaPath = fileURLToPath(
  new URL('../../test/fixtures/data/schemas/sarif-schema-2.1.0.json', import.meta.url),
);

describe('SARIF', () => {
  test('the log validates against the SARIF 2.1.0 schema', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    // The schema is draft-04 (`id`, `$schema` draft-04), which Ajv 8 reads once renamed.
    delete schema.$schema;
    schema.$id = schema.id;
    delete schema.id;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    const valid = validate(JSON.parse(renderSarif(sampleScan(), { toolVersion: '0.1.0' })));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator is not vacuous: a level SARIF does not define is refused.
    const broken = buildSarif(sampleScan()) as unknown as {
      runs: { results: { level: string }[] }[];
    };
    const first = broken.runs[0]?.results[0];
    if (first) first.level = 'severe';
    expect(validate(broken)).toBe(false);
  });

  test('one rule per vulnerability id, however many packages it affects', () => {
    const run = buildSarif(sampleScan()).runs[0];
    expect(run?.tool.driver.rules.map((r) => r.id).sort()).toEqual([
      'CVE-2023-45853',
      'GHSA-35jh-r3h4-6jhm',
      'MOAT-UNKNOWN-1',
    ]);
    expect(run?.results).toHaveLength(4);
  });

  test('results point at the rule, the package file without a leading slash and the layer', () => {
    const run = buildSarif(sampleScan()).runs[0];
    const zlib = run?.results.find((r) => r.ruleId === 'CVE-2023-45853');
    expect(run?.tool.driver.rules[zlib?.ruleIndex ?? -1]?.id).toBe('CVE-2023-45853');
    expect(zlib?.level).toBe('error');
    expect(zlib?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('var/lib/dpkg/status');
    expect(zlib?.locations[0]?.logicalLocations?.[0]).toMatchObject({
      name: '7a1e8b5b8b4a',
      kind: 'layer',
    });
  });

  test('the message names package, version and fix', () => {
    const run = buildSarif({ ...sampleScan(), findings: [finding()] }).runs[0];
    expect(run?.results[0]?.message.text).toBe(
      'Package lodash 4.17.20 (pkg:npm/lodash@4.17.20) is affected by GHSA-35jh-r3h4-6jhm (HIGH); fixed in 4.17.21.',
    );
  });

  test('security-severity is the CVSS score when it agrees with the severity, else the band', () => {
    expect(securitySeverity(finding())).toBe('7.2');
    expect(securitySeverity(finding({ severity: 'CRITICAL' }))).toBe('9.5');
    expect(securitySeverity(finding({ severity: 'LOW', cvss: [] }))).toBe('2.0');
  });

  test('levels follow severity: HIGH error, MEDIUM warning, LOW and UNKNOWN note', () => {
    const levels = ['HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'].map(
      (severity) =>
        buildSarif({
          ...sampleScan(),
          findings: [finding({ severity: severity as 'HIGH' })],
        }).runs[0]?.results[0]?.level,
    );
    expect(levels).toEqual(['error', 'warning', 'note', 'note']);
  });
});
