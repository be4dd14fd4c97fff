import { describe, expect, it } from 'vitest';

import { statusOf, strongerStatus } from './status.js';

describe('statusOf', () => {
  it('is fixed whenever a fixed version is known', () => {
    expect(
      statusOf({ ecosystem_specific: { urgency: 'end-of-life' } }, ['1.0-1'], 'Debian:12'),
    ).toEqual({
      status: 'fixed',
      statusSource: 'osv:Debian:12',
    });
  });

  it("maps Debian's end-of-life urgency to end_of_life", () => {
    expect(statusOf({ ecosystem_specific: { urgency: 'end-of-life' } }, [], 'Debian:11')).toEqual({
      status: 'end_of_life',
      statusSource: 'osv:Debian:11#urgency',
    });
  });

  it("maps the tracker's postponed and ignored no-DSA reasons", () => {
    expect(
      statusOf({ ecosystem_specific: { nodsa_reason: 'postponed' } }, [], 'Debian:12').status,
    ).toBe('fix_deferred');
    expect(
      statusOf({ ecosystem_specific: { nodsa_reason: 'ignored' } }, [], 'Debian:12').status,
    ).toBe('will_not_fix');
  });

  it("maps Red Hat's fix states", () => {
    expect(
      statusOf({ database_specific: { fix_state: 'Will not fix' } }, [], 'Red Hat').status,
    ).toBe('will_not_fix');
    expect(
      statusOf({ database_specific: { fix_state: 'Fix deferred' } }, [], 'Red Hat').status,
    ).toBe('fix_deferred');
    expect(
      statusOf({ database_specific: { fix_state: 'Out of support scope' } }, [], 'Red Hat').status,
    ).toBe('end_of_life');
  });

  it('is affected when nothing says otherwise, e.g. a plain Debian urgency', () => {
    expect(statusOf({ ecosystem_specific: { urgency: 'unimportant' } }, [], 'Debian:12')).toEqual({
      status: 'affected',
      statusSource: 'osv:Debian:12',
    });
  });
});

describe('strongerStatus', () => {
  it('prefers a fix from one record over another record without one', () => {
    const affected = { status: 'affected' as const, statusSource: 'osv:npm' };
    const fixed = { status: 'fixed' as const, statusSource: 'osv:Debian:12' };
    expect(strongerStatus(affected, fixed)).toBe(fixed);
    expect(strongerStatus(fixed, affected)).toBe(fixed);
  });
});
