import { describe, expect, test } from 'vitest';

import { sampleInventory } from './__fixtures__/inventory.js';
import { sampleScan } from './__fixtures__/scan.js';
import { buildReport } from './json.js';
import { reportSchema } from './report-schema.js';
import { buildScanReport } from './vulnerabilities-json.js';

describe('scan report JSON', () => {
  test('the report validates against the report schema', () => {
    expect(reportSchema.safeParse(buildScanReport(sampleScan())).success).toBe(true);
  });

  test('every finding is listed with its layer, path, fixes and both severities', () => {
    const report = buildScanReport(sampleScan());
    const zlib = report.vulnerabilities.find((v) => v.id === 'CVE-2023-45853');
    expect(zlib).toMatchObject({
      packageName: 'zlib1g',
      status: 'will_not_fix',
      statusSource: 'osv:Debian:12',
      severity: 'CRITICAL',
      sourceSeverity: 'LOW',
      fixedVersions: [],
      layer: { digest: sampleInventory().packages[0]?.layerDigest },
      path: '/var/lib/dpkg/status',
      cvss: [{ version: '3.1', score: 9.8, source: 'nvd' }],
    });
  });

  test('the summary counts findings by severity and those left out', () => {
    expect(buildScanReport(sampleScan()).summary.vulnerabilities).toEqual({
      total: 4,
      bySeverity: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0, UNKNOWN: 1 },
      ignored: 1,
    });
  });

  test('the OS end-of-life date comes from the scan', () => {
    expect(buildScanReport(sampleScan()).artifact.os?.eol).toBe('2028-06-30');
  });

  test('scan warnings are added to the inventory warnings', () => {
    expect(buildScanReport(sampleScan()).warnings).toContain('database is 3 days old');
  });

  test('an SBOM report has no vulnerability summary and still validates', () => {
    const report = buildReport(sampleInventory());
    expect(report.summary.vulnerabilities).toBeUndefined();
    expect(reportSchema.safeParse(report).success).toBe(true);
  });
});
