import { describe, expect, it } from 'vitest';

import { comparePep440Versions, normalizePep440Version, parsePep440Version } from './pep440.js';

// PEP 440's "Summary of permitted suffixes and relative ordering", plus epochs and locals.
const ascending: [string, string][] = [
  ['1.0.dev456', '1.0a1'],
  ['1.0a1', '1.0a2.dev456'],
  ['1.0a2.dev456', '1.0a12.dev456'],
  ['1.0a12.dev456', '1.0a12'],
  ['1.0a12', '1.0b1.dev456'],
  ['1.0b1.dev456', '1.0b2'],
  ['1.0b2', '1.0b2.post345.dev456'],
  ['1.0b2.post345.dev456', '1.0b2.post345'],
  ['1.0b2.post345', '1.0rc1.dev456'],
  ['1.0rc1.dev456', '1.0rc1'],
  ['1.0rc1', '1.0'],
  ['1.0', '1.0+abc.5'],
  ['1.0+abc.5', '1.0+abc.7'],
  ['1.0+abc.7', '1.0+5'],
  ['1.0+5', '1.0.post456.dev34'],
  ['1.0.post456.dev34', '1.0.post456'],
  ['1.0.post456', '1.1.dev1'],
  ['2.0', '1!0.1'],
  ['1.0+abc', '1.0+abc.1'],
];

const equal: [string, string][] = [
  ['1.0', '1.0.0'],
  ['1.0RC1', '1.0rc1'],
  ['1.0-post1', '1.0.post1'],
  ['1.0-1', '1.0.post1'],
  ['1.0alpha1', '1.0a1'],
  ['1.0c1', '1.0rc1'],
  ['1.0-preview.2', '1.0rc2'],
  ['v1.0', '1.0'],
  ['0!1.0', '1.0'],
  ['1.0+ABC-1', '1.0+abc.1'],
  ['1.0+01', '1.0+1'],
];

describe('comparePep440Versions', () => {
  it.each(ascending)('orders %s before %s', (older, newer) => {
    expect(comparePep440Versions(older, newer)).toBe(-1);
    expect(comparePep440Versions(newer, older)).toBe(1);
  });

  it.each(equal)('ranks %s equal to %s', (a, b) => {
    expect(comparePep440Versions(a, b)).toBe(0);
  });

  it('normalises spellings as PEP 440 describes', () => {
    expect(normalizePep440Version('V1.0-RC.01')).toBe('1.0rc1');
    expect(normalizePep440Version('1!2.0-post.3-dev')).toBe('1!2.0.post3.dev0');
  });

  it.each(['', '1.0-', 'a1.0', '1.0+', '1.0+abc_', 'latest', '1.0.x', '1.0a1b2'])(
    'rejects %j with VERSION_INVALID',
    (version) => {
      expect(() => parsePep440Version(version)).toThrow(
        expect.objectContaining({ code: 'VERSION_INVALID' }),
      );
    },
  );
});
