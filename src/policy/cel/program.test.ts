/**
 * CEL rules: expressions over image, scan, signatures and attestations; a type error at
 * evaluation, a non-bool result and an expression past its cost limit are `error` results (which
 * deny) — the runaway one refused before it runs, so the process carries on at once.
 */
import { describe, expect, test } from 'vitest';

import { PolicyError } from '../../errors.js';
import { parsePolicy } from '../compile.js';
import { evaluatePolicy } from '../evaluate.js';
import { inputWith, pkg, policyYaml, vulnerability } from '../__fixtures__/policy-input.js';
import { defaultPolicyLimits } from '../limits.js';
import type { PolicyInput } from '../types.js';
import { celInputOf, compileExpression } from './program.js';

async function evaluate(expression: string, input: PolicyInput = inputWith()) {
  const yaml = policyYaml(`- name: cel\n  expression: ${JSON.stringify(expression)}`);
  const decision = await evaluatePolicy(await parsePolicy(yaml, 'policy.yaml'), input);
  return { ...decision.results[0], allowed: decision.allowed };
}

const packages = (n: number) => Array.from({ length: n }, (_, i) => pkg(`p${i}`));

describe('CEL expressions', () => {
  test.each([
    ['has(image.labels.team)', 'pass'],
    ['has(image.labels.owner)', 'fail'],
    ['image.registry == "registry.example.com" && image.tag == "1.0"', 'pass'],
    ['image.user != "" && image.config.config.User == "app"', 'pass'],
    ['scan.summary.CRITICAL == 0', 'pass'],
    ['scan.vulnerabilities.all(v, v.cvssScore < 9.0)', 'pass'],
    ['scan.packages.exists(p, p.name == "lib" && p.type == "npm")', 'pass'],
    ['size(signatures) >= 1', 'fail'],
    ['timestamp(image.created) > timestamp("2025-06-01T00:00:00Z")', 'pass'],
    ['image.repository.matches("^team/")', 'pass'],
  ])('%s → %s', async (expression, outcome) => {
    expect((await evaluate(expression)).outcome).toBe(outcome);
  });

  test('sees the vulnerabilities left after the scan', async () => {
    const input = inputWith({ vulnerabilities: [vulnerability({ severity: 'CRITICAL' })] });
    expect((await evaluate('scan.summary.CRITICAL == 0', input)).outcome).toBe('fail');
    expect(
      (await evaluate('scan.vulnerabilities.exists(v, v.id == "CVE-2024-0001")', input)).outcome,
    ).toBe('pass');
  });

  test('a type error at evaluation is an error result that denies', async () => {
    const result = await evaluate('image.labels.team + 1 == 2');
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('no matching overload');
    expect(result.allowed).toBe(false);
  });

  test('a field the input does not have is an error, not a silent false', async () => {
    const result = await evaluate('image.labels.owner == "x"');
    expect(result.outcome).toBe('error');
  });

  test('an expression that is not a bool is an error', async () => {
    expect((await evaluate('size(scan.packages)')).message).toBe(
      'the expression gave a number (1), not a bool',
    );
  });

  test('a runaway expression is refused by its cost limit before it runs', async () => {
    // 400³ = 64 million steps, each building a string: minutes and gigabytes if it ran.
    const runaway =
      'scan.packages.map(a, scan.packages.map(b, scan.packages.map(c, a.name + b.name + c.name))).size() > 0';
    const result = await evaluate(runaway, inputWith({ packages: packages(400) }));
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(
      /may cost \d+ units over this image, more than the limit of 2000000/,
    );
    expect(result.allowed).toBe(false);
  });

  test('the same expression runs over a small input: the limit follows the input', async () => {
    const nested = 'scan.packages.all(a, scan.packages.all(b, a.name != "" && b.name != ""))';
    expect((await evaluate(nested, inputWith({ packages: packages(20) }))).outcome).toBe('pass');
    expect((await evaluate(nested, inputWith({ packages: packages(3000) }))).outcome).toBe('error');
  });

  test('a runaway built from literals alone is refused too', async () => {
    const ten = '[0,1,2,3,4,5,6,7,8,9]';
    const expr = `${ten}.all(a, ${ten}.all(b, ${ten}.all(c, ${ten}.all(d, ${ten}.all(e, ${ten}.all(f, ${ten}.all(g, a + b + c + d + e + f + g >= 0)))))))`;
    expect((await evaluate(expr)).message).toContain('more than the limit');
  });

  test('growing strings and lists inside macros are counted', async () => {
    const expr =
      'scan.packages.map(a, scan.packages.map(b, image.reference + a.name + b.name)).size() > 0';
    expect((await evaluate(expr, inputWith({ packages: packages(10) }))).outcome).toBe('pass');
    expect((await evaluate(expr, inputWith({ packages: packages(2000) }))).outcome).toBe('error');
  });

  test('a cost-limit refusal is a POLICY_EVALUATION error of the program', () => {
    const program = compileExpression(
      'scan.packages.all(a, scan.packages.all(b, a == b))',
      'p: e',
      {
        ...defaultPolicyLimits,
        maxExpressionCost: 100,
      },
    );
    const { bindings, shapes } = celInputOf(inputWith({ packages: packages(10) }));
    let error: unknown;
    try {
      program.evaluate(bindings, shapes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('POLICY_EVALUATION');
  });

  test('a deeply nested attestation is an error of the expression rules, not a stack overflow', async () => {
    let predicate: unknown = 'x';
    for (let i = 0; i < 100_000; i++) predicate = { p: predicate };
    const attestation = {
      format: 'bundle' as const,
      kind: 'attestation' as const,
      source: 's',
      signer: { kind: 'key' as const, key: 'k' },
      payload: { _type: 't', subject: [], predicateType: 'p', predicate },
      annotations: {},
    };
    const result = await evaluate(
      'size(attestations) == 1',
      inputWith({ attestations: [attestation] }),
    );
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('nests deeper than 64 levels');
  });
});
