import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { isDigest, isRepositoryName, isTag, maxRepositoryNameLength } from './grammar.js';

const component = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,5}$/),
    fc.array(
      fc.tuple(fc.constantFrom('.', '_', '__', '-', '---'), fc.stringMatching(/^[a-z0-9]{1,4}$/)),
      {
        maxLength: 3,
      },
    ),
  )
  .map(([head, rest]) => head + rest.map(([sep, part]) => sep + part).join(''));

describe('repository names', () => {
  test('names built from the spec grammar are accepted at any depth', () => {
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 8 }), (parts) => {
        const name = parts.join('/');
        expect(isRepositoryName(name)).toBe(name.length <= maxRepositoryNameLength);
      }),
    );
  });

  test.each(['team/app/api', 'a', 'a.b_c__d---e/f', 'library/ubuntu'])(
    '%s is a valid name',
    (name) => {
      expect(isRepositoryName(name)).toBe(true);
    },
  );

  test.each([
    '',
    'A',
    'team//app',
    '/team',
    'team/',
    '..',
    'team/../app',
    'team/./app',
    'a...b',
    'a___b',
    '-a',
    'a-',
    'a%2fb',
    'a:b',
    'a b',
  ])('%j is refused', (name) => {
    expect(isRepositoryName(name)).toBe(false);
  });

  test('a name over the length limit is refused', () => {
    expect(isRepositoryName('a'.repeat(maxRepositoryNameLength))).toBe(true);
    expect(isRepositoryName('a'.repeat(maxRepositoryNameLength + 1))).toBe(false);
  });

  test('a name with any character outside [a-z0-9._/-] is refused', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 3 }), (noise) => {
        fc.pre(/[^a-z0-9._/-]/.test(noise));
        expect(isRepositoryName(`team/${noise}app`)).toBe(false);
      }),
    );
  });
});

describe('tags', () => {
  test.each(['latest', 'v1.0', '_x', 'A-b.c_d', 'a'.repeat(128)])('%s is a valid tag', (tag) => {
    expect(isTag(tag)).toBe(true);
  });

  test.each(['', '.hidden', '-x', 'a'.repeat(129), 'a/b', 'a:b', 'ü'])('%j is refused', (tag) => {
    expect(isTag(tag)).toBe(false);
  });
});

describe('digests', () => {
  test('sha256 and sha512 of the exact length in lowercase hex are accepted', () => {
    expect(isDigest(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isDigest(`sha512:${'0'.repeat(128)}`)).toBe(true);
  });

  test.each([
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `sha256:${'A'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    `sha384:${'a'.repeat(96)}`,
    `md5:${'a'.repeat(32)}`,
    `constructor:${'a'.repeat(64)}`,
    'sha256:totallywrong',
    `:${'a'.repeat(64)}`,
  ])('%s is refused', (digest) => {
    expect(isDigest(digest)).toBe(false);
  });
});
