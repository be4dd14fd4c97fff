import { describe, expect, test } from 'vitest';

import { sampleScan } from './__fixtures__/scan.js';
import { renderScan } from './render.js';
import { reportSchema } from './report-schema.js';
import { attestationPredicate, predicateTypeFor } from '../sign/payload/index.js';
import { buildCosignVulnPredicate, cosignVulnPredicateType } from './vulnerabilities-cosign.js';
import { buildScanReport } from './vulnerabilities-json.js';

/** RFC 3339 as Go's time.Time unmarshals it. */
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('cosign vulnerability predicate', () => {
  test('has exactly the fields of cosign’s CosignVulnPredicate', async () => {
    const text = await renderScan(sampleScan(), 'cosign-vuln', { toolVersion: '1.2.3' });
    const predicate = JSON.parse(text) as Record<string, Record<string, unknown>>;
    expect(Object.keys(predicate).sort()).toEqual(['invocation', 'metadata', 'scanner']);
    expect(Object.keys(predicate['invocation'] ?? {}).sort()).toEqual([
      'builder.id',
      'event_id',
      'parameters',
      'uri',
    ]);
    expect(Object.keys(predicate['scanner'] ?? {}).sort()).toEqual([
      'db',
      'result',
      'uri',
      'version',
    ]);
    expect(predicate['scanner']).toMatchObject({
      uri: 'pkg:generic/moat@1.2.3',
      version: '1.2.3',
      db: { uri: '', version: '' },
    });
    expect(Object.keys(predicate['metadata'] ?? {}).sort()).toEqual([
      'scanFinishedOn',
      'scanStartedOn',
    ]);
  });

  test('the scanner result is Moat’s scan report', () => {
    const predicate = buildCosignVulnPredicate(sampleScan());
    expect(reportSchema.safeParse(predicate.scanner.result).success).toBe(true);
    expect(predicate.scanner.result.vulnerabilities).toEqual(
      buildScanReport(sampleScan()).vulnerabilities,
    );
  });

  test('records the scan’s start and end and the database when given', () => {
    const predicate = buildCosignVulnPredicate({
      ...sampleScan(),
      scannedAt: { startedOn: '2024-05-01T10:00:00.000Z', finishedOn: '2024-05-01T10:00:05.000Z' },
      database: { uri: 'https://osv.dev', version: '2024-05-01T00:00:00Z' },
    });
    expect(predicate.metadata).toEqual({
      scanStartedOn: '2024-05-01T10:00:00.000Z',
      scanFinishedOn: '2024-05-01T10:00:05.000Z',
    });
    expect(predicate.scanner.db).toEqual({
      uri: 'https://osv.dev',
      version: '2024-05-01T00:00:00Z',
    });
  });

  test('without the scan’s times both are valid RFC 3339 times', () => {
    const { metadata } = buildCosignVulnPredicate(sampleScan());
    expect(metadata.scanStartedOn).toMatch(rfc3339);
    expect(metadata.scanFinishedOn).toMatch(rfc3339);
  });

  test('is what `moat attest --type vuln` signs, unchanged', async () => {
    const text = await renderScan(sampleScan(), 'cosign-vuln', { toolVersion: '1.2.3' });
    expect(predicateTypeFor('vuln')).toBe(cosignVulnPredicateType);
    expect(attestationPredicate('vuln', Buffer.from(text))).toEqual(JSON.parse(text));
  });
});
