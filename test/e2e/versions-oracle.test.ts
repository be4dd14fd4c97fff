/**
 * The version comparators against the reference implementations themselves: `dpkg
 * --compare-versions`, rpm's Lua `rpm.vercmp`, Python's `packaging` (pip's vendored copy),
 * maven-artifact's `ComparableVersion` and npm's `semver` package. Each suite compares curated
 * pairs plus pairs from a seeded generator of the ecosystem's grammar, spawns its oracle once per
 * batch, states how many pairs it compared and requires 100% agreement.
 */
import { execFileSync, spawnSync } from 'node:child_process';

import semver from 'semver';
import { describe, expect, it } from 'vitest';

import {
  compareVersions,
  isValidVersion,
  type VersionEcosystem,
} from '../../src/versions/index.js';
import { MissingToolError, requireTools } from './require-tools.js';

type Pair = [string, string];

/** mulberry32: a tiny seeded PRNG, so every run compares the same generated pairs. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A grammar as a list of slots; each slot picks one of its choices ('' makes it optional). */
type Grammar = (string[] | { repeat: string[]; max: number })[];

function generate(grammar: Grammar, next: () => number): string {
  const pick = (xs: string[]): string => xs[Math.floor(next() * xs.length)]!;
  let out = '';
  for (const slot of grammar) {
    if (Array.isArray(slot)) out += pick(slot);
    else for (let n = Math.floor(next() * (slot.max + 1)); n > 0; n--) out += pick(slot.repeat);
  }
  return out;
}

/**
 * Curated pairs, then `count` generated pairs of valid versions. Half the generated pairs share
 * a prefix (b extends or edits a), since near-equal versions are where comparators disagree.
 */
function pairsFor(
  ecosystem: VersionEcosystem,
  grammar: Grammar,
  curated: Pair[],
  count: number,
  seed: number,
): Pair[] {
  const next = random(seed);
  const valid = (v: string): boolean => isValidVersion(ecosystem, v);
  const pairs: Pair[] = [...curated];
  while (pairs.length < curated.length + count) {
    const a = generate(grammar, next);
    const b =
      next() < 0.5
        ? generate(grammar, next)
        : a.slice(0, Math.floor(next() * (a.length + 1))) + generate(grammar, next).slice(1);
    if (valid(a) && valid(b)) pairs.push([a, b]);
  }
  return pairs;
}

/** Guards against a broken oracle: a real batch yields all three outcomes. */
const outcomes = (results: number[]): number[] => [...new Set(results)].sort((x, y) => x - y);

const disagreements = (pairs: Pair[], expected: number[], ecosystem: VersionEcosystem): string[] =>
  pairs.flatMap(([a, b], i) => {
    const ours = compareVersions(ecosystem, a, b);
    return ours === expected[i] ? [] : [`${a} vs ${b}: moat ${ours}, oracle ${expected[i]}`];
  });

requireTools(['dpkg', 'rpm', 'python3']);

const PAIRS = 2000;

describe('deb against dpkg --compare-versions', () => {
  const curated: Pair[] = [
    ['1.0~rc1', '1.0'],
    ['1.0~~', '1.0~'],
    ['1.0', '1.0a'],
    ['1.0a', '1.0+'],
    ['1.0', '1.0-0'],
    ['1:0.1', '2.0'],
    ['0:1.0', '1.0'],
    ['1.01', '1.1'],
    ['1.0-1~bpo1', '1.0-1'],
    ['1.0-Z', '1.0-a'],
    ['2.36.1-8', '2.36.1-8+deb12u1'],
    ['1:1.0:2-1', '1:1.0:3-1'],
    ['1.0.', '1.0'],
    ['1.0-1.', '1.0-1'],
  ];
  const grammar: Grammar = [
    ['', '', '1:', '2:', '0:'],
    ['0', '1', '2', '10', '01'],
    { repeat: ['.', '0', '1', '9', '10', '~', '+', 'a', 'b', 'Z', 'rc'], max: 6 },
    ['', '', '-0', '-1', '-1ubuntu1', '-1~bpo', '-1+deb12u1', '-a.1', '-~'],
  ];
  const pairs = pairsFor('deb', grammar, curated, PAIRS, 1);

  it(`agrees with dpkg on all ${pairs.length} pairs`, () => {
    // One bash process for the whole batch; dpkg itself runs per comparison inside it.
    const script =
      'while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo -1; elif dpkg --compare-versions "$a" eq "$b"; then echo 0; else echo 1; fi; done';
    const out = execFileSync('bash', ['-c', script], {
      input: pairs.map((p) => p.join(' ')).join('\n') + '\n',
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
      maxBuffer: 1 << 24,
    });
    const expected = out.trim().split('\n').map(Number);
    expect(expected).toHaveLength(pairs.length);
    expect(outcomes(expected)).toEqual([-1, 0, 1]);
    expect(disagreements(pairs, expected, 'deb')).toEqual([]);
  });
});

describe('rpm against rpm.vercmp', () => {
  const curated: Pair[] = [
    ['1.0~rc1', '1.0'],
    ['1.0', '1.0^'],
    ['1.0^', '1.0^git1'],
    ['1.0^git1', '1.0.1'],
    ['1.0~rc1^git1', '1.0~rc1.1'],
    ['1.0a', '1.0.1'],
    ['a', '1'],
    ['1.0', '1:0.1'],
    ['1.0', '1.0-1'],
    ['1.0', '1.0-'],
    ['1.0', ':1.0'],
    ['1.0', '1_0'],
    ['1.001', '1.1'],
    ['1..0', '1.0'],
    ['1.0-1.el9', '1.0-1.el9_2'],
    ['1.0-1~beta', '1.0-1'],
  ];
  const grammar: Grammar = [
    ['', '', '0:', '1:', ':', '2:'],
    ['0', '1', '2', '10', '01', 'a'],
    { repeat: ['.', '0', '1', '10', '~', '^', '_', '+', 'a', 'b', 'rc', 'git', 'Z'], max: 6 },
    ['', '', '-1', '-0', '-1.el9', '-1.el9_2', '-2~beta', '-1^git', '-'],
  ];
  const pairs = pairsFor('rpm', grammar, curated, PAIRS, 2);

  it(`agrees with rpm.vercmp on all ${pairs.length} pairs`, () => {
    // One rpm process; each --eval is a Lua chunk printing one result per pair (long brackets need
    // no escaping), in batches because one argument may not exceed 128 KiB.
    const args: string[] = [];
    for (let i = 0; i < pairs.length; i += 400) {
      const calls = pairs
        .slice(i, i + 400)
        .map(([a, b]) => `print(rpm.vercmp([==[${a}]==], [==[${b}]==]) .. "\\n")`)
        .join(' ');
      args.push('--eval', `%{lua: ${calls}}`);
    }
    const out = execFileSync('rpm', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const expected = out
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
    expect(expected).toHaveLength(pairs.length);
    expect(outcomes(expected)).toEqual([-1, 0, 1]);
    expect(disagreements(pairs, expected, 'rpm')).toEqual([]);
  });
});

const PYTHON_ORACLE = `
import json, sys
try:
    from pip._vendor.packaging.version import Version
except ImportError:
    from packaging.version import Version
out = []
for a, b in json.load(sys.stdin):
    x, y = Version(a), Version(b)
    out.append(-1 if x < y else 1 if x > y else 0)
print(json.dumps(out))
`;
if (spawnSync('python3', ['-c', 'import pip._vendor.packaging.version']).status !== 0)
  throw new MissingToolError(
    'missing python3 with pip (pip._vendor.packaging): .ci/run installs it',
  );

describe('pypi against Python packaging', () => {
  const curated: Pair[] = [
    ['1.0.dev456', '1.0a1'],
    ['1.0a2.dev456', '1.0a12.dev456'],
    ['1.0b2.post345.dev456', '1.0b2.post345'],
    ['1.0rc1', '1.0'],
    ['1.0', '1.0+abc.5'],
    ['1.0+abc.7', '1.0+5'],
    ['1.0+5', '1.0.post456.dev34'],
    ['2.0', '1!0.1'],
    ['1.0RC1', '1.0rc1'],
    ['1.0-post1', '1.0.post1'],
    ['1.0-1', '1.0.post1'],
    ['1.0c1', '1.0rc1'],
    ['v1.0', '1.0'],
    ['1.0+ABC-1', '1.0+abc.1'],
    ['1.0+01', '1.0+1'],
    ['1.0', '1.0.0'],
  ];
  const grammar: Grammar = [
    ['', '', '', '1!', '0!', 'v'],
    ['0', '1', '2', '10', '01'],
    { repeat: ['.0', '.1', '.10', '.01'], max: 3 },
    ['', '', 'a', 'a1', 'b2', 'rc1', 'c1', '-alpha.1', 'RC2', 'pre', 'preview3', '_beta_2'],
    ['', '', '.post1', '-1', 'post', '.r2', '-post0', 'rev3'],
    ['', '', '.dev', '.dev1', 'dev2', '-dev.3'],
    ['', '', '', '+abc', '+1', '+abc.1', '+01', '+ABC-2', '+1.a_b'],
  ];
  const pairs = pairsFor('pypi', grammar, curated, PAIRS, 3);

  it(`agrees with packaging.version.Version on all ${pairs.length} pairs`, () => {
    const out = execFileSync('python3', ['-c', PYTHON_ORACLE], {
      input: JSON.stringify(pairs),
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const expected = JSON.parse(out) as number[];
    expect(expected).toHaveLength(pairs.length);
    expect(outcomes(expected)).toEqual([-1, 0, 1]);
    expect(disagreements(pairs, expected, 'pypi')).toEqual([]);
  });
});

const MAVEN_JAR = '/usr/share/maven/lib/maven-artifact-3.x.jar';

requireTools(['java'], [MAVEN_JAR]);

describe('maven against ComparableVersion', () => {
  const curated = [
    '1-alpha',
    '1-beta',
    '1-milestone',
    '1-rc',
    '1-cr',
    '1-snapshot',
    '1',
    '1-ga',
    '1.0.FINAL',
    '1-sp',
    '1-abc',
    '1.1',
    '1-1',
    '1.0-alpha1',
    '1.0-a1',
    '1.0-b1',
    '1.0-m1',
    '1.0.0.x1',
    '1.0.0-x2',
    '1.10',
    '1.9',
    '1.0-SNAPSHOT',
    '2.0.0.Final',
    '2.0.1',
    '1ga.rc',
    '1sp',
    '1.0.RELEASE',
    '1-0-rc',
    '1..0',
    '1--1',
    '.1',
  ];
  const grammar: Grammar = [
    ['0', '1', '2', '10', '01'],
    {
      repeat: [
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
        'RC',
        'Beta',
        'release',
      ],
      max: 7,
    },
  ];
  // ComparableVersion's main compares each argument with the next, so a sequence of n versions
  // gives n - 1 pairs from one JVM.
  const next = random(4);
  const versions = [...curated];
  while (versions.length < curated.length + PAIRS) {
    const v = generate(grammar, next);
    if (isValidVersion('maven', v)) versions.push(v);
  }
  const pairs: Pair[] = versions.slice(1).map((v, i) => [versions[i]!, v]);

  it(`agrees with ComparableVersion on all ${pairs.length} pairs`, () => {
    const out = execFileSync(
      'java',
      ['-cp', MAVEN_JAR, 'org.apache.maven.artifact.versioning.ComparableVersion', ...versions],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    // Result lines look like "   1.0 < 1.1"; operators are <, == and >.
    const expected = out
      .split('\n')
      .filter((line) => line.startsWith('   '))
      .map((line) => {
        const op = / (<|==|>) /.exec(line)?.[1];
        return op === '<' ? -1 : op === '>' ? 1 : op === '==' ? 0 : Number.NaN;
      });
    expect(expected).toHaveLength(pairs.length);
    expect(outcomes(expected)).toEqual([-1, 0, 1]);
    expect(disagreements(pairs, expected, 'maven')).toEqual([]);
  });
});

describe('semver, npm, cargo and golang against the semver package', () => {
  const curated: Pair[] = [
    ['1.0.0-alpha', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
    ['1.0.0-alpha.beta', '1.0.0-beta'],
    ['1.0.0-beta.2', '1.0.0-beta.11'],
    ['1.0.0-rc.1', '1.0.0'],
    ['1.0.0-1', '1.0.0-a'],
    ['1.0.0-A', '1.0.0-a'],
    ['1.0.0+build.1', '1.0.0+build.2'],
    ['1.0.0-0', '1.0.0-0.0'],
    ['1.0.0--', '1.0.0-0'],
  ];
  const grammar: Grammar = [
    ['0', '1', '2', '10'],
    ['.'],
    ['0', '1', '2', '10'],
    ['.'],
    ['0', '1', '2', '10'],
    ['', '', '-', '-', '-0.', '-pre.0.', '-alpha.', '-rc.', '-0.20191109021931-'],
    {
      repeat: ['alpha', 'beta', 'rc', '0', '1', '10', 'a-b', 'A', '-', 'daa7c04131f5', '.1', '.x'],
      max: 3,
    },
    ['', '', '+build', '+1.x', '+incompatible'],
  ];
  const pairs = pairsFor('semver', grammar, curated, PAIRS, 5);
  const expected = pairs.map(([a, b]) => semver.compare(a, b));

  it(`agrees with semver.compare on all ${pairs.length} semver pairs`, () => {
    expect(outcomes(expected)).toEqual([-1, 0, 1]);
    expect(disagreements(pairs, expected, 'semver')).toEqual([]);
  });

  it(`agrees with semver.compare on the same ${pairs.length} pairs written with a v for npm`, () => {
    const withV: Pair[] = pairs.map(([a, b]) => [`v${a}`, b]);
    expect(disagreements(withV, expected, 'npm')).toEqual([]);
  });

  it(`agrees with semver.compare on the same ${pairs.length} pairs as cargo versions`, () => {
    expect(disagreements(pairs, expected, 'cargo')).toEqual([]);
  });

  it(`agrees with semver.compare on the same ${pairs.length} pairs as Go module versions`, () => {
    const goPairs: Pair[] = pairs.map(([a, b]) => [`v${a}`, `v${b}`]);
    expect(disagreements(goPairs, expected, 'golang')).toEqual([]);
  });
});
