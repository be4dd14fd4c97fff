import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { main } from './main.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(argv, { stdout, stderr });
    return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  } finally {
    process.env = saved;
  }
}

function kubectl(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      args,
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input);
  });
}

const policy = (name: string) => `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: ${name}}
spec:
  rules:
    - name: known-registries
      allowedRegistries: [registry.example.com]
`;

describe('moat admission manifests', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-admission-cli-'));
    await writeFile(join(dir, 'prod.yaml'), policy('prod'));
    await writeFile(join(dir, 'all.yaml'), policy('all'));
    await writeFile(
      join(dir, 'moat.yaml'),
      `admission:
  policyFile: all.yaml
  policies:
    - policyFile: prod.yaml
      namespaceSelector: {matchLabels: {env: prod}}
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('prints every object, one webhook per binding with its selector, parsed by kubectl', async () => {
    const result = await run([
      'admission',
      'manifests',
      '--service-name',
      'moat',
      '--namespace',
      'moat-system',
      '--image',
      'registry.example.com/moat:1',
      '--config',
      join(dir, 'moat.yaml'),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    interface Webhook {
      clientConfig: { service: { path: string } };
      namespaceSelector: { matchExpressions: unknown[] };
      sideEffects: string;
    }
    interface Printed {
      kind: string;
      webhooks?: Webhook[];
      data?: Record<string, string>;
    }
    const objects = parseAllDocuments(result.stdout).map((d) => d.toJS() as Printed);
    expect(objects.map((o) => o.kind)).toEqual([
      'Secret',
      'ConfigMap',
      'Deployment',
      'Service',
      'ValidatingWebhookConfiguration',
      'MutatingWebhookConfiguration',
    ]);
    const [validating] = objects.filter((o) => o.kind === 'ValidatingWebhookConfiguration');
    const webhooks = validating?.webhooks ?? [];
    expect(webhooks.map((w) => w.clientConfig.service.path)).toEqual([
      '/admission/validate/0',
      '/admission/validate',
    ]);
    // Decisions are audited, but not those of dry-run reviews.
    const mutating = objects.find((o) => o.kind === 'MutatingWebhookConfiguration');
    for (const webhook of [...webhooks, ...(mutating?.webhooks ?? [])])
      expect(webhook.sideEffects).toBe('NoneOnDryRun');
    expect(webhooks[0]?.namespaceSelector.matchExpressions).toEqual([
      { key: 'env', operator: 'In', values: ['prod'] },
      {
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: ['moat-system', 'kube-system'],
      },
    ]);
    // The policy of every other namespace: env is not prod.
    expect(webhooks[1]?.namespaceSelector.matchExpressions[0]).toEqual({
      key: 'env',
      operator: 'NotIn',
      values: ['prod'],
    });
    const configMap = objects.find((o) => o.kind === 'ConfigMap');
    expect(configMap?.data?.['policy-0.yaml']).toBe(policy('prod'));
    expect(configMap?.data?.['policy.yaml']).toBe(policy('all'));

    // kubectl reads every document (offline: --local needs no cluster) and labels each.
    const listed = await kubectl(
      [
        'label',
        '--local',
        '-f',
        '-',
        'checked=yes',
        '-o',
        'jsonpath={.kind}/{.metadata.labels.checked}{"\\n"}',
      ],
      result.stdout,
    );
    expect(listed.trim().split('\n')).toEqual(objects.map((o) => `${String(o.kind)}/yes`));
  });

  test('a service name that is not a DNS label is refused with exit 2', async () => {
    const result = await run([
      'admission',
      'manifests',
      '--service-name',
      'Moat_1',
      '--namespace',
      'x',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--service-name');
  });
});

describe('moat admission manifests refuses policies it cannot ship', () => {
  test('a policy reading a key file beside it is refused naming the rule and the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-admission-cli-keys-'));
    try {
      const key = await new Promise<string>((resolve) => {
        execFile('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], (_e, pem) => {
          execFile('openssl', ['ec', '-pubout'], (_e2, pub) => resolve(pub)).stdin?.end(pem);
        });
      });
      await writeFile(join(dir, 'release.pub'), key);
      await writeFile(
        join(dir, 'signed.yaml'),
        'apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: signed}\nspec:\n  rules:\n    - name: signed\n      requireSignatures: {keys: [release.pub]}\n',
      );
      await writeFile(join(dir, 'moat.yaml'), 'admission:\n  policyFile: signed.yaml\n');
      const result = await run([
        'admission',
        'manifests',
        '--service-name',
        'moat',
        '--namespace',
        'moat-system',
        '--config',
        join(dir, 'moat.yaml'),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('rule signed reads release.pub');
      expect(result.stdout).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a policy that does not load is refused with its error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-admission-cli-bad-'));
    try {
      await writeFile(
        join(dir, 'bad.yaml'),
        'apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: b}\nspec:\n  rules:\n    - name: x\n      colour: blue\n',
      );
      await writeFile(join(dir, 'moat.yaml'), 'admission:\n  policyFile: bad.yaml\n');
      const result = await run([
        'admission',
        'manifests',
        '--service-name',
        'moat',
        '--namespace',
        'ns',
        '--config',
        join(dir, 'moat.yaml'),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('colour');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
