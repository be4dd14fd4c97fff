/**
 * Order laws for every comparator on generated versions of its grammar: reflexivity,
 * antisymmetry and transitivity. Generators draw from small alphabets so that ties and
 * near-ties (the cases comparators get wrong) come up often.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';

import {
  compareVersions,
  isValidVersion,
  memoizedComparator,
  type VersionEcosystem,
} from './index.js';

const join = (...parts: fc.Arbitrary<string>[]): fc.Arbitrary<string> =>
  fc.tuple(...parts).map((xs) => xs.join(''));
const opt = (arb: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.option(arb, { nil: '' }).map((x) => x);
const many = (pieces: string[], max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...pieces), { maxLength: max }).map((xs) => xs.join(''));
const num = fc.constantFrom('0', '1', '2', '10', '01');
const plainNum = fc.constantFrom('0', '1', '2', '10');

const semverCore = join(plainNum, fc.constant('.'), plainNum, fc.constant('.'), plainNum);
const prereleaseIds = fc
  .array(fc.constantFrom('alpha', 'beta', 'rc', '0', '1', '10', 'a-b', 'A'), {
    minLength: 1,
    maxLength: 3,
  })
  .map((ids) => `-${ids.join('.')}`);
const semver = join(semverCore, opt(prereleaseIds), opt(fc.constantFrom('+build', '+1.x')));

const generators: Record<VersionEcosystem, fc.Arbitrary<string>> = {
  deb: join(
    opt(fc.constantFrom('0:', '1:', '2:')),
    num,
    many(['.', '0', '1', '10', '~', '+', 'a', 'b', 'Z'], 5),
    opt(join(fc.constant('-'), many(['0', '1', '.', '~', '+', 'a', 'ubuntu'], 4))).map((r) =>
      r === '-' ? '-0' : r,
    ),
  ),
  rpm: join(
    opt(fc.constantFrom('0:', '1:', ':')),
    num,
    many(['.', '0', '1', '10', '~', '^', '_', 'a', 'b', 'rc', 'git'], 5),
    opt(join(fc.constant('-'), num, many(['.', '1', 'el9', '~', '^', '_2'], 3))),
  ),
  apk: join(
    num,
    many(['.0', '.1', '.10', '.01'], 3),
    opt(fc.constantFrom('a', 'b', 'z')),
    many(['_alpha', '_beta', '_pre', '_rc', '_cvs', '_svn', '_git', '_hg', '_p', '_rc1', '_p2'], 2),
    opt(fc.constantFrom('~abc', '~1f', '~abd')),
    opt(fc.constantFrom('-r0', '-r1', '-r10')),
  ),
  semver,
  npm: join(opt(fc.constant('v')), semver),
  cargo: semver,
  nuget: join(
    plainNum,
    many(['.0', '.1', '.10'], 3),
    opt(
      fc
        .array(fc.constantFrom('alpha', 'Alpha', 'BETA', 'beta', '1', '2', '10'), {
          minLength: 1,
          maxLength: 2,
        })
        .map((ids) => `-${ids.join('.')}`),
    ),
  ),
  pypi: join(
    opt(fc.constantFrom('1!', '0!')),
    plainNum,
    many(['.0', '.1', '.10'], 2),
    opt(fc.constantFrom('a', 'a1', 'b2', 'rc1', 'c1', '-alpha.1', 'RC2', 'pre')),
    opt(fc.constantFrom('.post1', '-1', 'post', '.r2', '-post0')),
    opt(fc.constantFrom('.dev', '.dev1', 'dev2')),
    opt(fc.constantFrom('+abc', '+1', '+abc.1', '+01', '+ABC-2')),
  ),
  maven: join(
    num,
    many(
      [
        '.',
        '-',
        '0',
        '1',
        '10',
        'alpha',
        'a',
        'b',
        'm',
        'rc',
        'cr',
        'sp',
        'snapshot',
        'ga',
        'final',
        'x',
      ],
      5,
    ),
  ),
  golang: fc.oneof(
    join(opt(fc.constant('v')), semver),
    join(
      fc.constant('v'),
      semverCore,
      fc.constantFrom('-0.', '-pre.0.', '-'),
      fc.constantFrom('20191109021931-daa7c04131f5', '20200101000000-000000000000'),
    ),
  ),
  gem: join(
    plainNum,
    many(['.0', '.1', '.10', '.a', '.b', '.pre', '.rc1', '.0a', '.A'], 4),
    opt(fc.constantFrom('-1', '-a', '-0')),
  ),
  composer: join(
    opt(fc.constant('v')),
    plainNum,
    many(['.0', '.1', '.10'], 3),
    opt(
      fc.constantFrom(
        '-dev',
        '-alpha1',
        '-a2',
        '-beta',
        '-b1',
        '-RC1',
        '-rc.2',
        '-p1',
        '-pl2',
        '-patch1',
        '-beta1-dev',
        '-stable',
      ),
    ),
  ),
};

// Maven's ComparableVersion is itself not transitive once a null item ("ga", "final", 0) is
// dropped before a qualifier and leaves a nested list: 1 > 1-ga-rc > 1-sp > 1 (checked against
// maven-artifact 3.8.7). We mirror it, so order laws are checked on versions without that shape.
const mavenWithoutNullQualifiers = join(
  plainNum,
  many(['.0', '.1', '.10'], 2),
  many(
    [
      '-alpha',
      '-beta',
      '-milestone',
      '-rc',
      '-snapshot',
      '-sp',
      '-x',
      '-alpha1',
      '-rc2',
      '-1',
      '-2',
    ],
    3,
  ),
);

const transitiveGenerators: Partial<Record<VersionEcosystem, fc.Arbitrary<string>>> = {
  maven: mavenWithoutNullQualifiers,
};

describe.each(Object.keys(generators) as VersionEcosystem[])('%s comparator', (ecosystem) => {
  const arb = generators[ecosystem];
  const ordered = transitiveGenerators[ecosystem] ?? arb;
  const cmp = (a: string, b: string): number => compareVersions(ecosystem, a, b);

  it('generates only versions its own parser accepts', () => {
    fc.assert(fc.property(arb, (v) => isValidVersion(ecosystem, v)));
  });

  it('ranks every version equal to itself', () => {
    fc.assert(fc.property(arb, (v) => cmp(v, v) === 0));
  });

  it('is antisymmetric', () => {
    fc.assert(fc.property(arb, arb, (a, b) => cmp(a, b) === -cmp(b, a)));
  });

  it('is transitive', () => {
    fc.assert(
      fc.property(fc.array(ordered, { minLength: 3, maxLength: 12 }), (vs) => {
        const sorted = [...vs].sort(cmp);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) {
            if (cmp(sorted[i]!, sorted[j]!) > 0) return false;
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('orders the same with a memoized comparator, warm or cold', () => {
    const memo = memoizedComparator(ecosystem);
    fc.assert(
      fc.property(arb, arb, (a, b) => memo(a, b) === cmp(a, b) && memo(a, b) === cmp(a, b)),
    );
  });

  it('keeps tied versions interchangeable (a = b implies cmp(a, c) = cmp(b, c))', () => {
    fc.assert(
      fc.property(
        ordered,
        ordered,
        ordered,
        (a, b, c) => cmp(a, b) !== 0 || cmp(a, c) === cmp(b, c),
      ),
    );
  });
});
