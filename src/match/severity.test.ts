import { describe, expect, it } from 'vitest';

import { bandOf, scoreCvss, sourceSeverityOf } from './severity.js';

describe('scoreCvss', () => {
  it('scores a CVSS 3.1 vector', () => {
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'nvd')).toEqual({
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      score: 9.8,
      source: 'nvd',
    });
  });

  it('scores CVSS 3.0, 2.0 and 4.0 vectors', () => {
    expect(scoreCvss('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H')?.score).toBe(7.5);
    expect(scoreCvss('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toMatchObject({ version: '2.0', score: 7.5 });
    expect(
      scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'),
    ).toMatchObject({ version: '4.0', score: 9.3 });
  });

  it('refuses a vector missing base metrics instead of scoring it 0', () => {
    expect(scoreCvss('CVSS:3.1/AV:N')).toBeUndefined();
    expect(scoreCvss('garbage')).toBeUndefined();
  });
});

describe('bandOf', () => {
  it.each([
    ['3.1', 9.0, 'CRITICAL'],
    ['3.1', 8.9, 'HIGH'],
    ['4.0', 7.0, 'HIGH'],
    ['3.1', 4.0, 'MEDIUM'],
    ['3.1', 0.1, 'LOW'],
    ['3.1', 0, 'UNKNOWN'],
    ['2.0', 10, 'HIGH'],
    ['2.0', 3.9, 'LOW'],
  ] as const)('bands CVSS %s score %d as %s', (version, score, band) => {
    expect(bandOf({ version, score })).toBe(band);
  });
});

describe('sourceSeverityOf', () => {
  const base = { id: 'X', modified: '2025-01-01T00:00:00Z' };

  it("reads GitHub's MODERATE as MEDIUM", () => {
    expect(
      sourceSeverityOf({ ...base, database_specific: { severity: 'MODERATE' } }, undefined),
    ).toBe('MEDIUM');
  });

  it("reads Ubuntu's priority from its severity entry", () => {
    expect(
      sourceSeverityOf({ ...base, severity: [{ type: 'Ubuntu', score: 'negligible' }] }, undefined),
    ).toBe('LOW');
  });

  it("reads Debian's urgency, ignoring its unverified marks and unassigned urgencies", () => {
    expect(sourceSeverityOf(base, { ecosystem_specific: { urgency: 'low**' } })).toBe('LOW');
    expect(
      sourceSeverityOf(base, { ecosystem_specific: { urgency: 'not yet assigned' } }),
    ).toBeUndefined();
  });
});
