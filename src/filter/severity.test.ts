import { describe, expect, test } from 'vitest';

import { finding } from './__fixtures__/finding.js';
import { FilterDocumentError } from './read-document.js';
import { filterBySeverity, filterUnfixed, parseSeverityList } from './severity.js';

describe('parseSeverityList', () => {
  test('reads a comma list in any case, with spaces, without duplicates', () => {
    expect(parseSeverityList('high, CRITICAL,high')).toEqual(['HIGH', 'CRITICAL']);
  });

  test('an unknown severity is refused with its name', () => {
    expect(() => parseSeverityList('HIGH,SEVERE')).toThrow(FilterDocumentError);
    expect(() => parseSeverityList('HIGH,SEVERE')).toThrow(/"SEVERE"/);
  });
});

describe('filterBySeverity', () => {
  test('keeps listed severities and records the severity of the rest', () => {
    const high = finding();
    const low = finding({ id: 'CVE-2020-1', severity: 'LOW' });
    const outcome = filterBySeverity([high, low], ['HIGH', 'CRITICAL']);
    expect(outcome.kept).toEqual([high]);
    expect(outcome.ignored).toEqual([
      { finding: low, reason: { kind: 'severity', severity: 'LOW' } },
    ]);
  });
});

describe('filterUnfixed', () => {
  test('keeps only findings with status fixed', () => {
    const fixed = finding();
    const unfixed = finding({ id: 'CVE-2', status: 'affected', fixedVersions: [] });
    const wontFix = finding({ id: 'CVE-3', status: 'will_not_fix', fixedVersions: [] });
    const outcome = filterUnfixed([fixed, unfixed, wontFix]);
    expect(outcome.kept).toEqual([fixed]);
    expect(outcome.ignored.map((i) => i.reason)).toEqual([
      { kind: 'unfixed', status: 'affected' },
      { kind: 'unfixed', status: 'will_not_fix' },
    ]);
  });
});
