/**
 * Reading policy documents: the example compiles; everything wrong is refused with
 * `POLICY_INVALID` naming the source, the line and the key — unknown fields, a rule without or
 * with two checks, CEL syntax errors, a huge document, an alias bomb, files in a stored policy.
 */
import { describe, expect, test } from 'vitest';

import { PolicyError } from '../errors.js';
import { compilePolicy, parsePolicy } from './compile.js';
import { policyYaml } from './__fixtures__/policy-input.js';

const example = `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: production}
spec:
  rules:
    - name: no-fixable-critical
      maxSeverity: {severity: HIGH, ignoreUnfixed: true}
    - name: known-registries
      allowedRegistries: [registry.example.com, "127.0.0.1:5000"]
    - name: non-root
      nonRoot: true
    - name: team-label
      expression: 'has(image.labels.team)'
      message: every image names its team
      enforcementAction: warn
`;

async function refusal(text: string, source = 'policy.yaml'): Promise<PolicyError> {
  const error: unknown = await parsePolicy(text, source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyError);
  expect((error as PolicyError).code).toBe('POLICY_INVALID');
  return error as PolicyError;
}

describe('parsePolicy', () => {
  test("compiles the issue's example with its name and a stable hash", async () => {
    const policy = await parsePolicy(example, 'policy.yaml');
    expect(policy.name).toBe('production');
    expect(policy.document.spec.rules.map((r) => r.name)).toEqual([
      'no-fixable-critical',
      'known-registries',
      'non-root',
      'team-label',
    ]);
    expect(policy.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const again = await compilePolicy(JSON.parse(JSON.stringify(policy.document)), 'api');
    expect(again.hash).toBe(policy.hash);
  });

  test('the hash changes when the policy does', async () => {
    const a = await parsePolicy(policyYaml('- {name: r, nonRoot: true}'), 'a');
    const b = await parsePolicy(policyYaml('- {name: r, nonRoot: false}'), 'b');
    expect(a.hash).not.toBe(b.hash);
  });

  test('an unknown field is refused by name, with its line and key', async () => {
    const text = example.replace('nonRoot: true', 'nonRoot: true\n      nonroot: true');
    const error = await refusal(text);
    expect(error.message).toMatch(/^policy\.yaml:12: spec\.rules\[2\]: unknown field "nonroot"/);
  });

  test('an unknown field at the top is refused too', async () => {
    const error = await refusal(`${example}extra: 1\n`);
    expect(error.message).toContain('unknown field "extra" at the top');
  });

  test('a misspelt severity names the line and key', async () => {
    const error = await refusal(example.replace('severity: HIGH', 'severity: HIHG'));
    expect(error.message).toMatch(/^policy\.yaml:7: spec\.rules\[0\]\.maxSeverity\.severity: /);
  });

  test('a rule without a check, or with two, is refused', async () => {
    expect((await refusal(policyYaml('- {name: empty}'))).message).toContain(
      'rule "empty" has no check',
    );
    expect(
      (await refusal(policyYaml('- {name: both, nonRoot: true, maxAge: 30d}'))).message,
    ).toContain('has 2 checks (nonRoot, maxAge)');
  });

  test('two rules with one name are refused', async () => {
    const error = await refusal(policyYaml('- {name: r, nonRoot: true}\n- {name: r, maxAge: 1d}'));
    expect(error.message).toMatch(/spec\.rules\[1\]\.name: two rules are named "r"/);
  });

  test('a CEL syntax error names the line, the key and the position', async () => {
    const error = await refusal(policyYaml("- name: broken\n  expression: 'image.labels.team =='"));
    expect(error.message).toMatch(
      /^policy\.yaml:8: spec\.rules\[0\]\.expression: CEL syntax error: .*1:\d+/,
    );
  });

  test('a misspelt variable is refused when the policy compiles', async () => {
    const error = await refusal(policyYaml("- name: typo\n  expression: 'has(imag.labels.team)'"));
    expect(error.message).toBe(
      'policy.yaml:8: spec.rules[0].expression: unknown variable "imag" (expected image, scan, signatures or attestations)',
    );
  });

  test('macro variables and type names are not unknown variables', async () => {
    const text = policyYaml(
      "- name: ok\n  expression: 'scan.packages.all(p, type(p.name) == string) && [1].exists(x, x == 1)'",
    );
    await expect(parsePolicy(text, 'policy.yaml')).resolves.toBeDefined();
  });

  test('an expression nested past the depth limit is refused before parsing', async () => {
    const deep = `${'('.repeat(2000)}true${')'.repeat(2000)}`;
    const error = await refusal(policyYaml(`- name: deep\n  expression: '${deep}'`));
    expect(error.message).toContain('nests deeper than');
  });

  test('a huge document is refused before it is parsed', async () => {
    const huge = `${example}#${'x'.repeat(300 * 1024)}\n`;
    expect((await refusal(huge)).message).toContain('larger than the limit');
  });

  test('a deeply nested document is refused, not a crash', async () => {
    const nested = `${example}extra: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    expect((await refusal(nested)).message).toMatch(/^policy\.yaml:\d+: /);
  });

  test('a YAML alias bomb is refused', async () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    ].join('\n');
    expect((await refusal(bomb)).message).toContain('aliases');
  });

  test('not YAML at all names the line', async () => {
    expect((await refusal('apiVersion: moat.dev/v1\nkind: [Policy\n')).message).toMatch(
      /^policy\.yaml:\d+: not valid YAML/,
    );
  });

  test('a stored policy (no files) must carry its keys inline', async () => {
    const error: unknown = await compilePolicy(
      {
        apiVersion: 'moat.dev/v1',
        kind: 'Policy',
        metadata: { name: 'p' },
        spec: { rules: [{ name: 'signed', requireSignatures: { keys: ['keys/release.pub'] } }] },
      },
      'projects/app/policy',
    ).catch((e: unknown) => e);
    expect((error as PolicyError).message).toBe(
      'projects/app/policy: spec.rules[0].requireSignatures.keys[0]: a policy stored on the server carries its key inline (PEM or JSON text), not a file path',
    );
  });

  test('keyless identities need a trusted root', async () => {
    const error = await refusal(
      policyYaml(
        '- name: signed\n  requireSignatures:\n    keyless: [{subject: a@b.c, issuer: https://i}]',
      ),
    );
    expect(error.message).toContain('keyless identities need a trustedRoot');
  });

  test('an invalid RE2 label pattern is refused', async () => {
    const error = await refusal(policyYaml("- name: l\n  requiredLabels: {team: '(a'}"));
    expect(error.message).toContain('spec.rules[0].requiredLabels.team');
  });

  test('a JSON document with a wrong kind names the key', async () => {
    const error: unknown = await compilePolicy(
      { apiVersion: 'moat.dev/v1', kind: 'Pol', metadata: { name: 'p' }, spec: { rules: [] } },
      'body',
    ).catch((e: unknown) => e);
    expect((error as PolicyError).message).toBe('body: kind: kind must be Policy');
  });
});
