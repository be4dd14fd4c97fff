import { describe, expect, test } from 'vitest';

import { sampleInventory } from './__fixtures__/inventory.js';
import { sampleScan } from './__fixtures__/scan.js';
import { buildReport } from './json.js';
import { reportSchema } from './report-schema.js';
import { buildScanReport } from './vulnerabilities-json.js';
import { sortedFindings } from './vulnerabilities-order.js';

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

  test('findings the filters left out are listed with the reason', () => {
    const [vexed] = buildScanReport(sampleScan()).suppressed;
    expect(vexed).toMatchObject({
      id: 'CVE-2024-0001',
      severity: 'MEDIUM',
      suppression: {
        kind: 'vex',
        file: 'app.openvex.json',
        format: 'openvex',
        status: 'not_affected',
        justification: 'vulnerable_code_not_in_execute_path',
        statement: 'never called',
      },
    });
  });

  test('every kind of reason validates, in the order of the findings', () => {
    const scan = sampleScan();
    const [first, second] = scan.findings;
    if (!first || !second) throw new RangeError('the sample has two findings');
    scan.ignored = [
      { finding: second, reason: { kind: 'ignorefile', file: '.moatignore', line: 3 } },
      { finding: first, reason: { kind: 'severity', severity: first.severity } },
      { finding: second, reason: { kind: 'unfixed', status: 'affected' } },
      ...(scan.ignored ?? []),
    ];
    const report = buildScanReport(scan);
    expect(reportSchema.safeParse(report).success).toBe(true);
    const expected = sortedFindings(scan.ignored.map((i) => i.finding));
    expect(report.suppressed.map((s) => [s.id, s.purl])).toEqual(
      expected.map((f) => [f.id, f.purl]),
    );
    expect(report.suppressed.find((s) => s.suppression.kind === 'ignorefile')?.suppression).toEqual(
      { kind: 'ignorefile', file: '.moatignore', line: 3, statement: null },
    );
    expect(report.summary.vulnerabilities?.ignored).toBe(4);
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
    expect(report.suppressed).toEqual([]);
    expect(reportSchema.safeParse(report).success).toBe(true);
  });
});
