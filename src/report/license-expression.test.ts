import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { licenseRefFor, normalizeSpdxExpression } from './license-expression.js';

describe('normalizeSpdxExpression', () => {
  test('a known licence id keeps its canonical spelling whatever the case', () => {
    expect(normalizeSpdxExpression('apache-2.0')).toBe('Apache-2.0');
  });

  test('lower-case operators are accepted and written in upper case', () => {
    expect(normalizeSpdxExpression('mit or (bsd-3-clause and zlib)')).toBe(
      'MIT OR (BSD-3-Clause AND Zlib)',
    );
  });

  test('a licence with an exception is an expression', () => {
    expect(normalizeSpdxExpression('GPL-2.0-only WITH Classpath-exception-2.0')).toBe(
      'GPL-2.0-only WITH Classpath-exception-2.0',
    );
  });

  test('a known id followed by + means "or later"', () => {
    expect(normalizeSpdxExpression('LGPL-2.1+')).toBe('LGPL-2.1+');
  });

  test('LicenseRef and DocumentRef references are expressions', () => {
    expect(normalizeSpdxExpression('DocumentRef-other:LicenseRef-custom.1 OR MIT')).toBe(
      'DocumentRef-other:LicenseRef-custom.1 OR MIT',
    );
  });

  test.each([
    ['a Debian short name with a free-text exception', 'GPL-2+ with exception'],
    ['an unknown identifier', 'Proprietary'],
    ['an exception that is not an id', 'MIT WITH anything'],
    ['unbalanced brackets', '(MIT OR Apache-2.0'],
    ['a dangling operator', 'MIT AND'],
    ['mixed-case operators', 'MIT Or Apache-2.0'],
    ['an empty string', '   '],
  ])('rejects %s', (_what, text) => {
    expect(normalizeSpdxExpression(text)).toBeUndefined();
  });
});

describe('licenseRefFor', () => {
  test('keeps letters, digits, dots and dashes and collapses the rest to single dashes', () => {
    expect(licenseRefFor('GPL-2+ with exception')).toBe('LicenseRef-GPL-2-with-exception');
  });

  test('any text yields a reference that is itself a valid SPDX expression', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const ref = licenseRefFor(text);
        expect(normalizeSpdxExpression(ref)).toBe(ref);
      }),
    );
  });
});
