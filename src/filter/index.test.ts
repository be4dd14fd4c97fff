import { describe, expect, test } from 'vitest';

import { finding } from './__fixtures__/finding.js';
import { parseIgnoreFile } from './ignore-file-parse.js';
import { applyFilters, describeExpiredEntry } from './index.js';

describe('applyFilters', () => {
  test('a finding left out by several filters records the first: severity before the ignore file', () => {
    const low = finding({ severity: 'LOW' });
    const ignoreFile = parseIgnoreFile('- CVE-2021-23337\n', '.moatignore');
    const result = applyFilters([low], { severities: ['HIGH'], ignoreFile });
    expect(result.ignored.map((i) => i.reason.kind)).toEqual(['severity']);
  });

  test('with no options every finding is kept', () => {
    expect(applyFilters([finding()]).kept).toHaveLength(1);
  });

  test('expired entries are returned and described in one line naming file, line and date', () => {
    const ignoreFile = parseIgnoreFile(
      '- id: CVE-2021-23337\n  expires: 2020-01-01\n',
      '.moatignore',
    );
    const result = applyFilters([finding()], { ignoreFile, now: new Date('2026-01-01T00:00:00Z') });
    expect(result.kept).toHaveLength(1);
    expect(result.expired.map((e) => describeExpiredEntry(ignoreFile, e))).toEqual([
      '.moatignore:1: ignore entry CVE-2021-23337 expired on 2020-01-01 and no longer applies',
    ]);
  });
});
