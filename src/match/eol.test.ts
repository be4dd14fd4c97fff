import { describe, expect, it } from 'vitest';

import { endOfLife } from './eol.js';

const jan2026 = new Date('2026-01-01T00:00:00Z');

describe('endOfLife', () => {
  it('flags Debian 10 as past its end of life in 2026', () => {
    expect(endOfLife({ family: 'debian', version: '10' }, jan2026)).toEqual({
      eol: true,
      date: '2024-06-30',
    });
  });

  it('keeps Debian 12 supported in 2026', () => {
    expect(endOfLife({ family: 'debian', version: '12' }, jan2026)).toEqual({
      eol: false,
      date: '2028-06-30',
    });
  });

  it('keys Alpine by major.minor, ignoring the patch release', () => {
    expect(endOfLife({ family: 'alpine', version: '3.18.6' }, jan2026)).toEqual({
      eol: true,
      date: '2025-05-09',
    });
  });

  it('counts the end-of-life day itself as still supported', () => {
    expect(
      endOfLife({ family: 'rhel', version: '7.9' }, new Date('2024-06-30T23:00:00Z'))?.eol,
    ).toBe(false);
    expect(
      endOfLife({ family: 'rhel', version: '7.9' }, new Date('2024-07-01T00:00:00Z'))?.eol,
    ).toBe(true);
  });

  it('knows nothing of releases missing from the table', () => {
    expect(endOfLife({ family: 'debian', version: '' }, jan2026)).toBeUndefined();
    expect(endOfLife({ family: 'gentoo', version: '2.15' }, jan2026)).toBeUndefined();
  });
});
