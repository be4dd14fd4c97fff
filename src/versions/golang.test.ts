import { describe, expect, it } from 'vitest';

import { compareGoVersions, isGoPseudoVersion, parseGoVersion } from './golang.js';

// Pseudo-versions from the Go modules reference, ordered against the tags around them.
const ascending: [string, string][] = [
  ['v0.0.0-20191109021931-daa7c04131f5', 'v0.0.0-20200101000000-000000000000'],
  ['v0.0.0-20191109021931-daa7c04131f5', 'v0.0.1'],
  ['v1.2.3', 'v1.2.4-0.20191109021931-daa7c04131f5'],
  ['v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.4'],
  ['v1.2.4-pre', 'v1.2.4-pre.0.20191109021931-daa7c04131f5'],
  ['v1.2.4-pre.0.20191109021931-daa7c04131f5', 'v1.2.4-pre.1'],
  ['v1.9.0', 'v1.10.0'],
  ['v2.0.0+incompatible', 'v2.0.1'],
];

describe('compareGoVersions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(compareGoVersions(older, newer)).toBe(-1);
    expect(compareGoVersions(newer, older)).toBe(1);
  });

  it('ignores +incompatible for ordering', () => {
    expect(compareGoVersions('v2.0.0+incompatible', 'v2.0.0')).toBe(0);
  });

  it('accepts versions without the v, as OSV records write them', () => {
    expect(compareGoVersions('1.21.0', 'v1.21.0')).toBe(0);
  });

  it('reads the vMAJOR and vMAJOR.MINOR shorthands as .0', () => {
    expect(compareGoVersions('v1', 'v1.0.0')).toBe(0);
    expect(compareGoVersions('v1.2', 'v1.2.0')).toBe(0);
  });

  it('recognises the three pseudo-version forms and nothing else', () => {
    expect(isGoPseudoVersion('v0.0.0-20191109021931-daa7c04131f5')).toBe(true);
    expect(isGoPseudoVersion('v1.2.4-0.20191109021931-daa7c04131f5')).toBe(true);
    expect(isGoPseudoVersion('v1.2.4-pre.0.20191109021931-daa7c04131f5+incompatible')).toBe(true);
    expect(isGoPseudoVersion('v1.2.4-rc.1')).toBe(false);
  });

  it.each(['v1.2.3.4', 'v01.2.3', 'v1.2-pre', 'go1.21', 'v1.2.3-01', ''])(
    'rejects %j with VERSION_INVALID',
    (version) => {
      expect(() => parseGoVersion(version)).toThrow(
        expect.objectContaining({ code: 'VERSION_INVALID' }),
      );
    },
  );
});
