/**
 * `moat policy check` as a user meets it (in-process `main`, captured streams): on the npm + PyPI
 * image of src/__fixtures__/scan-image.ts with its hand-imported database, and on images in Moat's
 * own registry signed with real keys. Exit 0 allowed, 3 denied, 2 bad input; table, JSON and
 * PolicyReport output; every `moat scan` flag changes what the policy sees.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { writeScanDb, writeScanImage } from '../__fixtures__/scan-image.js';
import { policyYaml } from '../policy/__fixtures__/policy-input.js';
import type { Decision } from '../policy/types.js';
import {
  startSigningRegistry,
  writeKeyFiles,
  type KeyFiles,
  type SigningRegistry,
} from '../sign/__fixtures__/image-registry.js';
import { attestImage, signImage } from '../sign/image.js';
import { runInProcess } from '../../test/fixtures/run-in-process.js';

let dir: string;
let target: string;
let cacheDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-policy-'));
  await writeScanImage(join(dir, 'image'));
  target = `oci:${join(dir, 'image')}:app`;
  cacheDir = join(dir, 'cache');
  await writeScanDb(cacheDir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let count = 0;
async function policyFile(rules: string): Promise<string> {
  const path = join(dir, `policy-${++count}.yaml`);
  await writeFile(path, policyYaml(rules));
  return path;
}

async function check(rules: string, ...args: string[]) {
  const policy = await policyFile(rules);
  return runInProcess([
    'policy',
    'check',
    target,
    '--policy',
    policy,
    '--offline',
    '--cache-dir',
    cacheDir,
    '--quiet',
    ...args,
  ]);
}

const noCritical = '- {name: no-critical, maxSeverity: {severity: HIGH}}';

describe('moat policy check', () => {
  test('denies with exit 3, one table line per rule and the failing rule named', async () => {
    const run = await check(
      `${noCritical}\n- {name: team, requiredLabels: [team], enforcementAction: warn}`,
    );
    expect(run.code).toBe(3);
    const lines = run.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('no-critical'))).toMatch(
      /^no-critical +maxSeverity +deny +FAIL +1 vulnerability above HIGH: CVE-2021-44906 \(CRITICAL, minimist 1\.2\.5, fixed in 1\.2\.6\)$/,
    );
    expect(lines.find((l) => l.startsWith('team '))).toMatch(/warn +WARN +missing labels: team$/);
    expect(run.stdout).toContain('DENIED by policy test: no-critical');
    expect(run.stderr).toBe(`moat: policy test denies ${target}: no-critical failed\n`);
  });

  test('allows with exit 0 when only warn rules fail', async () => {
    const run = await check('- {name: team, requiredLabels: [team], enforcementAction: warn}');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ALLOWED by policy test with 1 warning');
  });

  test('the scan flags shape what the policy sees: --severity and --ignorefile', async () => {
    expect((await check(noCritical, '--severity', 'LOW,MEDIUM')).code).toBe(0);
    const ignore = join(dir, 'ignore.yaml');
    await writeFile(ignore, 'vulnerabilities:\n  - id: GHSA-xvch-5gv4-984h\n');
    expect((await check(noCritical, '--ignorefile', ignore)).code).toBe(0);
  });

  test('--format json prints the decision', async () => {
    const run = await check(noCritical, '--format', 'json');
    expect(run.code).toBe(3);
    const decision = JSON.parse(run.stdout) as Decision;
    expect(decision).toMatchObject({ policy: 'test', reference: target, allowed: false });
    expect(decision.digest).toMatch(/^sha256:/);
    expect(decision.results).toEqual([
      expect.objectContaining({ rule: 'no-critical', outcome: 'fail', action: 'deny' }),
    ]);
  });

  test('--format policyreport prints a wgpolicyk8s.io/v1alpha2 PolicyReport', async () => {
    const run = await check(
      `${noCritical}\n- {name: team, requiredLabels: [team], enforcementAction: warn}\n- {name: no-left-pad, forbiddenPackages: [{name: left-pad}]}`,
      '--format',
      'policyreport',
    );
    const report = JSON.parse(run.stdout) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      summary: Record<string, number>;
      results: Array<Record<string, unknown>>;
    };
    expect(report.apiVersion).toBe('wgpolicyk8s.io/v1alpha2');
    expect(report.kind).toBe('PolicyReport');
    expect(report.metadata.name).toMatch(/^moat-test-[0-9a-f]{12}$/);
    expect(report.summary).toEqual({ pass: 1, fail: 1, warn: 1, error: 0, skip: 0 });
    expect(report.results.map((r) => [r['rule'], r['result'], r['policy']])).toEqual([
      ['no-critical', 'fail', 'test'],
      ['team', 'warn', 'test'],
      ['no-left-pad', 'pass', 'test'],
    ]);
    expect(report.results[0]).toMatchObject({
      source: 'moat',
      scored: true,
      category: 'maxSeverity',
    });
  });

  test('a bad policy exits 2 naming file, line and key, before the image is read', async () => {
    const run = await check('- {name: x, nonRoot: yes-please}');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^moat: .*policy-\d+\.yaml:7: spec\.rules\[0\]\.nonRoot: /);
    expect(run.stdout).toBe('');
  });

  test('a CEL syntax error found while compiling during the scan still exits 2', async () => {
    const run = await check("- name: broken\n  expression: 'has(image.labels.team'");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /policy-\d+\.yaml:8: spec\.rules\[0\]\.expression: CEL syntax error/,
    );
    expect(run.stdout).toBe('');
  });

  test('a missing --policy or an unreadable policy file exits 2', async () => {
    const missing = await runInProcess(['policy', 'check', target]);
    expect(missing.code).toBe(2);
    const absent = await runInProcess([
      'policy',
      'check',
      target,
      '--policy',
      join(dir, 'nope.yaml'),
    ]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain('nope.yaml: cannot read the policy');
  });

  test('a huge policy file is refused, exit 2, read no further than the limit', async () => {
    const path = join(dir, 'huge.yaml');
    await writeFile(path, `${policyYaml(noCritical)}#${'x'.repeat(1024 * 1024)}\n`);
    const run = await runInProcess(['policy', 'check', target, '--policy', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`moat: ${path}: the policy is larger than the limit of 262144 bytes\n`);
  });

  test('a runaway expression is an error result: denied, exit 3, at once', async () => {
    const run = await check(
      "- name: runaway\n  expression: '[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, a+b+c+d+e+f > 0))))))'",
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/runaway +expression +deny +ERROR +the expression may cost/);
  });

  test('signatures of a local target cannot be verified: the rule errors and denies', async () => {
    const keys = await writeKeyFiles();
    try {
      const run = await check(`- name: signed\n  requireSignatures: {keys: [${keys.publicPath}]}`);
      expect(run.code).toBe(3);
      expect(run.stdout).toMatch(
        /signed +requireSignatures +deny +ERROR +signatures are verified only/,
      );
    } finally {
      await keys.remove();
    }
  });
});

describe('moat policy check on a registry image', () => {
  let registry: SigningRegistry;
  let keys: KeyFiles;
  let other: KeyFiles;

  beforeAll(async () => {
    registry = await startSigningRegistry();
    keys = await writeKeyFiles();
    other = await writeKeyFiles('other');
  });
  afterAll(async () => {
    await registry.close();
    await keys.remove();
    await other.remove();
  });

  async function checkRegistry(reference: string, rules: string) {
    const policy = join(keys.dir, `policy-${++count}.yaml`);
    await writeFile(policy, policyYaml(rules));
    return runInProcess([
      'policy',
      'check',
      reference,
      '--policy',
      policy,
      '--offline',
      '--cache-dir',
      cacheDir,
      '--quiet',
      '--username',
      registry.access.username,
      '--password',
      registry.access.password,
      '--format',
      'json',
    ]);
  }

  // The key path is relative to the policy file, as written in a repository.
  const signedRule =
    '- name: signed\n  requireSignatures: {keys: [cosign.pub], minimum: 1, attestations: [{type: cyclonedx}]}';

  test('a signed and attested image is allowed; its registry is checked too', async () => {
    await registry.push('app/signed', 'v1');
    const reference = `${registry.host}/app/signed:v1`;
    await signImage(reference, { key: keys.key, access: registry.access });
    await attestImage(reference, {
      key: keys.key,
      access: registry.access,
      type: 'cyclonedx',
      predicate: Buffer.from(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6' })),
    });
    const run = await checkRegistry(
      reference,
      `${signedRule}\n- {name: registries, allowedRegistries: ["${registry.host}"]}`,
    );
    const decision = JSON.parse(run.stdout) as Decision;
    expect(decision.results.map((r) => [r.rule, r.outcome])).toEqual([
      ['signed', 'pass'],
      ['registries', 'pass'],
    ]);
    expect(run.code).toBe(0);
  });

  test('an image signed by another key, or without the attestation, is denied', async () => {
    await registry.push('app/other', 'v1');
    const reference = `${registry.host}/app/other:v1`;
    await signImage(reference, { key: other.key, access: registry.access });
    const byOther = await checkRegistry(reference, signedRule);
    expect(byOther.code).toBe(3);
    expect((JSON.parse(byOther.stdout) as Decision).results[0]?.message).toBe(
      '0 verified signatures by a trusted signer, 1 required',
    );
    await signImage(reference, { key: keys.key, access: registry.access });
    const unattested = await checkRegistry(reference, signedRule);
    expect(unattested.code).toBe(3);
    expect((JSON.parse(unattested.stdout) as Decision).results[0]?.message).toBe(
      '0 verified cyclonedx attestations by a trusted signer, 1 required',
    );
  });

  test('minimum: 2 needs two signatures by trusted keys', async () => {
    await registry.push('app/twice', 'v1');
    const reference = `${registry.host}/app/twice:v1`;
    await signImage(reference, { key: keys.key, access: registry.access });
    const rule = `- name: two\n  requireSignatures: {keys: [cosign.pub, other.pub], minimum: 2}`;
    await writeFile(
      join(keys.dir, 'other.pub'),
      await import('node:fs/promises').then((fs) => fs.readFile(other.publicPath)),
    );
    expect((await checkRegistry(reference, rule)).code).toBe(3);
    await signImage(reference, { key: other.key, access: registry.access, format: 'legacy' });
    expect((await checkRegistry(reference, rule)).code).toBe(0);
  });
});
