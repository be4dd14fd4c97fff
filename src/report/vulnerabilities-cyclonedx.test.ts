import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { describe, expect, test } from 'vitest';

import { sampleScan } from './__fixtures__/scan.js';
import { renderScanCycloneDx } from './vulnerabilities-cyclonedx.js';

interface CdxVulnerability {
  id: string;
  source?: { name?: string; url?: string };
  ratings?: Array<{ method?: string; score?: number; severity?: string; vector?: string }>;
  affects?: Array<{ ref: string }>;
  analysis?: { state?: string; justification?: string; detail?: string };
  references?: Array<{ id: string }>;
}
interface CdxBom {
  components: Array<{ 'bom-ref': string; purl?: string }>;
  vulnerabilities: CdxVulnerability[];
}

const render = () =>
  JSON.parse(renderScanCycloneDx(sampleScan(), { toolVersion: '0.1.0' })) as CdxBom;

describe('CycloneDX with vulnerabilities', () => {
  test('the document validates against the CycloneDX 1.6 strict JSON schema', async () => {
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    await expect(validator.validate(renderScanCycloneDx(sampleScan()))).resolves.toBeNull();
  });

  test('each finding affects the bom-ref of its package component, vendored copies apart', () => {
    const bom = render();
    const refs = bom.vulnerabilities
      .filter((v) => v.id === 'GHSA-35jh-r3h4-6jhm')
      .map((v) => v.affects?.[0]?.ref)
      .sort();
    expect(refs).toEqual([
      'pkg:npm/lodash@4.17.21',
      'pkg:npm/lodash@4.17.21|/app/node_modules/lodash/package.json',
    ]);
    const componentRefs = bom.components.map((c) => c['bom-ref']);
    for (const ref of refs) expect(componentRefs).toContain(ref);
  });

  test('ratings carry the CVSS method and score, and the source rating as other', () => {
    const zlib = render().vulnerabilities.find((v) => v.id === 'CVE-2023-45853');
    expect(zlib?.ratings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'CVSSv31', score: 9.8, severity: 'critical' }),
        expect.objectContaining({ method: 'other', severity: 'low' }),
      ]),
    );
    expect(zlib?.references?.map((r) => r.id)).toEqual(['DLA-3609-1']);
  });

  test('a finding suppressed by VEX is listed with its analysis', () => {
    const vexed = render().vulnerabilities.find((v) => v.id === 'CVE-2024-0001');
    expect(vexed?.analysis).toEqual({
      state: 'not_affected',
      justification: 'code_not_reachable',
      detail: 'never called',
    });
  });

  test('a finding without a rating gets its severity as an other rating', () => {
    const unknown = render().vulnerabilities.find((v) => v.id === 'MOAT-UNKNOWN-1');
    expect(unknown?.ratings).toEqual([
      expect.objectContaining({ method: 'other', severity: 'unknown' }),
    ]);
  });
});
