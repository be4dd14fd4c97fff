import { describe, expect, it } from 'vitest';

import type { OsvEvent } from '../vulndb/index.js';
import { comparatorsFor } from './ecosystems.js';
import { isAffectedBy } from './ranges.js';

const deb = comparatorsFor('deb');
const npm = comparatorsFor('npm');

const eco = (...events: OsvEvent[]) => ({ ranges: [{ type: 'ECOSYSTEM', events }] });

describe('isAffectedBy', () => {
  it('treats introduced "0" as before every version and reports the fix', () => {
    const entry = eco({ introduced: '0' }, { fixed: '1.2.0' });
    expect(isAffectedBy(entry, '0.0.1', npm)).toEqual({
      kind: 'affected',
      fixedVersions: ['1.2.0'],
    });
  });

  it('finds the fixed version itself unaffected', () => {
    expect(isAffectedBy(eco({ introduced: '0' }, { fixed: '1.2.0' }), '1.2.0', npm)).toEqual({
      kind: 'unaffected',
    });
  });

  it('finds a version below introduced unaffected', () => {
    const entry = eco({ introduced: '1.0.0' }, { fixed: '1.2.0' });
    expect(isAffectedBy(entry, '0.9.9', npm).kind).toBe('unaffected');
  });

  it('walks events given out of order after sorting them', () => {
    const entry = eco(
      { fixed: '2.0.1' },
      { introduced: '2.0.0' },
      { fixed: '1.5.0' },
      { introduced: '1.0.0' },
    );
    expect(isAffectedBy(entry, '1.7.0', npm).kind).toBe('unaffected');
    expect(isAffectedBy(entry, '2.0.0', npm)).toEqual({
      kind: 'affected',
      fixedVersions: ['2.0.1'],
    });
    expect(isAffectedBy(entry, '1.4.9', npm)).toEqual({
      kind: 'affected',
      fixedVersions: ['1.5.0'],
    });
  });

  it('walks a long range given in reverse order', () => {
    // 20 intervals [n.0.0, n.5.0) and [20.0.0, 21.0.0): more events than the insertion sort takes.
    const events: OsvEvent[] = [];
    for (let n = 0; n < 20; n++) events.push({ introduced: `${n}.0.0` }, { fixed: `${n}.5.0` });
    events.push({ introduced: '20.0.0' }, { fixed: '21.0.0' });
    const entry = eco(...events.reverse());
    expect(isAffectedBy(entry, '7.4.9', npm)).toEqual({
      kind: 'affected',
      fixedVersions: ['7.5.0'],
    });
    expect(isAffectedBy(entry, '7.5.0', npm).kind).toBe('unaffected');
    expect(isAffectedBy(entry, '20.9.0', npm)).toEqual({
      kind: 'affected',
      fixedVersions: ['21.0.0'],
    });
    expect(isAffectedBy(entry, '19.9.0', npm).kind).toBe('unaffected');
    // Equal versions: the introduced sorts before the fixed, whatever the input order.
    const short = eco({ fixed: '2.0.0' }, { introduced: '2.0.0' }, { introduced: '1.0.0' });
    expect(isAffectedBy(short, '1.5.0', npm)).toEqual({
      kind: 'affected',
      fixedVersions: ['2.0.0'],
    });
    expect(isAffectedBy(short, '2.0.0', npm).kind).toBe('unaffected');
  });

  it('collects the fix of each range that holds the version, lowest first', () => {
    const entry = {
      ranges: [
        { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.0' }] },
        { type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '2.1.0' }] },
      ],
    };
    expect(isAffectedBy(entry, '1.5.0', npm)).toEqual({
      kind: 'affected',
      fixedVersions: ['2.1.0', '3.0.0'],
    });
  });

  it('includes last_affected itself and nothing above it, with no fixed version known', () => {
    const entry = eco({ introduced: '0' }, { last_affected: '1.4.0' });
    expect(isAffectedBy(entry, '1.4.0', npm)).toEqual({ kind: 'affected', fixedVersions: [] });
    expect(isAffectedBy(entry, '1.4.1', npm).kind).toBe('unaffected');
  });

  it('keeps versions at or above every limit out of the range', () => {
    const entry = eco({ introduced: '0' }, { limit: '2.0.0' });
    expect(isAffectedBy(entry, '1.9.9', npm).kind).toBe('affected');
    expect(isAffectedBy(entry, '2.0.0', npm).kind).toBe('unaffected');
    expect(isAffectedBy(eco({ introduced: '0' }, { limit: '*' }), '9.0.0', npm).kind).toBe(
      'affected',
    );
  });

  it('leaves a range without fixed open to every later version', () => {
    expect(isAffectedBy(eco({ introduced: '1.0.0' }), '99.0.0', npm)).toEqual({
      kind: 'affected',
      fixedVersions: [],
    });
  });

  it('ignores GIT ranges', () => {
    const entry = { ranges: [{ type: 'GIT', repo: 'https://x', events: [{ introduced: '0' }] }] };
    expect(isAffectedBy(entry, '1.0.0', npm).kind).toBe('unaffected');
  });

  it('finds a version listed in versions affected even outside every range', () => {
    const entry = { ...eco({ introduced: '0' }, { fixed: '1.0.0' }), versions: ['5.0.0'] };
    expect(isAffectedBy(entry, '5.0.0', npm)).toEqual({ kind: 'affected', fixedVersions: [] });
  });

  it('reports an installed version the comparator cannot parse as unparsable', () => {
    const outcome = isAffectedBy(
      eco({ introduced: '1.0.0' }, { fixed: '2.0.0' }),
      'not-a-version',
      npm,
    );
    expect(outcome).toMatchObject({ kind: 'unparsable', version: 'not-a-version' });
  });

  it('reports an unparsable version in the record as unparsable, not unaffected', () => {
    const outcome = isAffectedBy(eco({ introduced: '0' }, { fixed: 'x.y' }), '1.0.0', npm);
    expect(outcome).toMatchObject({ kind: 'unparsable', version: 'x.y' });
  });

  it('orders Debian versions by epoch before upstream version', () => {
    const entry = eco({ introduced: '0' }, { fixed: '1:1.0-1' });
    // 2.0-1 has epoch 0, so it sorts below 1:1.0-1 and is affected.
    expect(isAffectedBy(entry, '2.0-1', deb)).toEqual({
      kind: 'affected',
      fixedVersions: ['1:1.0-1'],
    });
    expect(isAffectedBy(entry, '1:1.0-1', deb).kind).toBe('unaffected');
  });

  it('compares Go versions with and without the v prefix in SEMVER ranges', () => {
    const entry = {
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.17.0' }] }],
    };
    const go = comparatorsFor('golang');
    expect(isAffectedBy(entry, 'v0.16.0', go)).toEqual({
      kind: 'affected',
      fixedVersions: ['0.17.0'],
    });
    expect(isAffectedBy(entry, 'v0.17.0', go).kind).toBe('unaffected');
  });
});
