/**
 * Evaluating policies with the built-in checks: each check passes on a compliant image and fails
 * with a reason naming what is wrong; `warn` rules never deny; a rule with an error denies.
 */
import { describe, expect, test } from 'vitest';

import { parsePolicy } from './compile.js';
import { evaluatePolicy } from './evaluate.js';
import { inputWith, pkg, policyYaml, vulnerability } from './__fixtures__/policy-input.js';
import type { Decision, PolicyInput } from './types.js';

async function decide(rules: string, input: PolicyInput, now?: Date): Promise<Decision> {
  const policy = await parsePolicy(policyYaml(rules), 'policy.yaml');
  return evaluatePolicy(policy, input, now !== undefined ? { now } : {});
}

async function outcomeOf(rules: string, input: PolicyInput, now?: Date) {
  const decision = await decide(rules, input, now);
  const result = decision.results[0];
  return { outcome: result?.outcome, message: result?.message, allowed: decision.allowed };
}

describe('maxSeverity', () => {
  const rule = '- {name: sev, maxSeverity: {severity: HIGH}}';
  test('passes when nothing is above the severity', async () => {
    expect((await outcomeOf(rule, inputWith({ vulnerabilities: [vulnerability()] }))).outcome).toBe(
      'pass',
    );
  });
  test('fails naming the vulnerability above it, with its fix', async () => {
    const input = inputWith({
      vulnerabilities: [vulnerability({ id: 'CVE-1', severity: 'CRITICAL' }), vulnerability()],
    });
    expect(await outcomeOf(rule, input)).toEqual({
      outcome: 'fail',
      message: '1 vulnerability above HIGH: CVE-1 (CRITICAL, lib 1.0.0, fixed in 1.2.0)',
      allowed: false,
    });
  });
  test('ignoreUnfixed lets a critical without a fix through', async () => {
    const unfixed = vulnerability({ severity: 'CRITICAL', status: 'affected', fixedVersions: [] });
    const input = inputWith({ vulnerabilities: [unfixed] });
    expect((await outcomeOf(rule, input)).outcome).toBe('fail');
    const ignoring = '- {name: sev, maxSeverity: {severity: HIGH, ignoreUnfixed: true}}';
    expect((await outcomeOf(ignoring, input)).outcome).toBe('pass');
  });
  test('names the first three of many and counts the rest', async () => {
    const many = [1, 2, 3, 4, 5].map((i) =>
      vulnerability({ id: `CVE-${i}`, severity: 'CRITICAL' }),
    );
    const { message } = await outcomeOf(rule, inputWith({ vulnerabilities: many }));
    expect(message).toMatch(/^5 vulnerabilities above HIGH: CVE-1 .*CVE-3 .* and 2 more$/);
  });
});

describe('allowedRegistries', () => {
  const rule =
    '- {name: reg, allowedRegistries: [registry.example.com, "*.corp.example", "127.0.0.1:5000"]}';
  const at = (registry: string) => inputWith({ image: { registry } });
  test.each([
    ['registry.example.com', 'pass'],
    ['127.0.0.1:5000', 'pass'],
    ['eu.corp.example', 'pass'],
    ['a.b.corp.example', 'pass'],
    ['corp.example', 'fail'],
    ['evilcorp.example', 'fail'],
    ['eu.corp.example:5000', 'fail'],
    ['127.0.0.1:5001', 'fail'],
    ['docker.io', 'fail'],
  ])('%s → %s', async (registry, outcome) => {
    expect((await outcomeOf(rule, at(registry))).outcome).toBe(outcome);
  });
  test('a local target has no registry and fails', async () => {
    expect((await outcomeOf(rule, at(''))).message).toBe('the image was not read from a registry');
  });
});

describe('nonRoot', () => {
  const rule = '- {name: nr, nonRoot: true}';
  test.each([
    ['app', 'pass'],
    ['1000:1000', 'pass'],
    ['', 'fail'],
    ['root', 'fail'],
    ['0', 'fail'],
    ['0:0', 'fail'],
    ['root:wheel', 'fail'],
  ])('user %j → %s', async (user, outcome) => {
    expect((await outcomeOf(rule, inputWith({ image: { user } }))).outcome).toBe(outcome);
  });
});

describe('requiredLabels', () => {
  test('the list form needs each label present', async () => {
    const rule = '- {name: l, requiredLabels: [team, owner]}';
    expect((await outcomeOf(rule, inputWith())).message).toBe('missing labels: owner');
    const labelled = inputWith({ image: { labels: { team: 'a', owner: 'b' } } });
    expect((await outcomeOf(rule, labelled)).outcome).toBe('pass');
  });
  test('the map form matches each value against an anchored RE2 pattern', async () => {
    const rule = "- {name: l, requiredLabels: {team: 'core|edge'}}";
    expect((await outcomeOf(rule, inputWith())).outcome).toBe('pass');
    const other = inputWith({ image: { labels: { team: 'score' } } });
    expect((await outcomeOf(rule, other)).message).toBe(
      'labels with values not allowed: team="score"',
    );
  });
  test('a label inherited from Object.prototype is not a label', async () => {
    const rule = '- {name: l, requiredLabels: [constructor]}';
    expect((await outcomeOf(rule, inputWith())).outcome).toBe('fail');
  });
});

describe('maxAge', () => {
  const rule = '- {name: age, maxAge: 30d}';
  test('passes for a recent image, fails for an old one', async () => {
    expect((await outcomeOf(rule, inputWith(), new Date('2026-01-20T00:00:00Z'))).outcome).toBe(
      'pass',
    );
    const old = await outcomeOf(rule, inputWith(), new Date('2026-03-01T00:00:00Z'));
    expect(old.message).toBe(
      'the image was created 2026-01-01T00:00:00Z (59 days ago), older than 30d',
    );
  });
  test('an image that does not say when it was created fails', async () => {
    const input = inputWith({ image: { created: undefined } });
    expect((await outcomeOf(rule, input)).message).toBe(
      'the image does not say when it was created',
    );
  });
});

describe('forbiddenPackages', () => {
  test('matches by name, type and exact version', async () => {
    const rule =
      '- {name: f, forbiddenPackages: [{name: log4j-core, versions: ["2.14.1"]}, {name: lib, type: pypi}]}';
    const input = inputWith({ packages: [pkg('log4j-core', '2.14.1', 'maven'), pkg('lib')] });
    expect((await outcomeOf(rule, input)).message).toBe(
      'forbidden packages installed: maven/log4j-core 2.14.1',
    );
    const fixed = inputWith({ packages: [pkg('log4j-core', '2.17.1', 'maven')] });
    expect((await outcomeOf(rule, fixed)).outcome).toBe('pass');
  });
});

describe('enforcement', () => {
  test('a failing warn rule never denies; a failing deny rule does', async () => {
    const rules = '- {name: w, nonRoot: true, enforcementAction: warn, message: runs as root}';
    const root = inputWith({ image: { user: '' } });
    const warned = await decide(rules, root);
    expect(warned.allowed).toBe(true);
    expect(warned.results[0]).toMatchObject({
      outcome: 'fail',
      action: 'warn',
      message: 'runs as root: the image sets no user, so it runs as root',
    });
    const denied = await decide('- {name: d, nonRoot: true}', root);
    expect(denied.allowed).toBe(false);
  });

  test('a rule that errored denies, and a warn rule that errored does not', async () => {
    const policy = await parsePolicy(
      policyYaml('- {name: d, nonRoot: true}\n- {name: w, nonRoot: true, enforcementAction: warn}'),
      'p',
    );
    const onlyWarn = await evaluatePolicy(policy, inputWith(), {
      errors: new Map([['w', 'cannot verify signatures: registry down']]),
    });
    expect(onlyWarn.allowed).toBe(true);
    expect(onlyWarn.results[1]).toMatchObject({ outcome: 'error' });
    const deny = await evaluatePolicy(policy, inputWith(), { errors: new Map([['d', 'down']]) });
    expect(deny.allowed).toBe(false);
  });

  test('the decision names the policy, the image and every rule in order', async () => {
    const decision = await decide(
      '- {name: a, nonRoot: true}\n- {name: b, maxAge: 1000d}',
      inputWith(),
      new Date('2026-02-01T00:00:00Z'),
    );
    expect(decision).toMatchObject({
      policy: 'test',
      reference: 'registry.example.com/team/app:1.0',
      digest: `sha256:${'a'.repeat(64)}`,
      allowed: true,
      evaluatedAt: '2026-02-01T00:00:00.000Z',
    });
    expect(decision.results.map((r) => [r.rule, r.check, r.outcome])).toEqual([
      ['a', 'nonRoot', 'pass'],
      ['b', 'maxAge', 'pass'],
    ]);
  });

  test('an object that is not a compiled policy is refused', async () => {
    const policy = await parsePolicy(policyYaml('- {name: a, nonRoot: true}'), 'p');
    await expect(evaluatePolicy({ ...policy }, inputWith())).rejects.toThrow(
      'not a compiled policy',
    );
  });
});
