import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { loadPolicyFile } from '../policy/index.js';
import { loadAdmissionPolicies, policyAt } from './policies.js';

const policy = (name: string) =>
  `apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: ${name}}\nspec:\n  rules:\n    - name: r\n      nonRoot: true\n`;

describe('loadAdmissionPolicies', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-admission-policies-'));
    await writeFile(join(dir, 'all.yaml'), policy('all'));
    await writeFile(join(dir, 'prod.yaml'), policy('prod'));
    await writeFile(join(dir, 'bad.yaml'), `${policy('bad')}      colour: blue\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('serves the policy file at the bare path and binding n at path n', async () => {
    const policies = await loadAdmissionPolicies(
      {
        policyFile: join(dir, 'all.yaml'),
        policies: [
          {
            policyFile: join(dir, 'prod.yaml'),
            namespaceSelector: { matchLabels: { env: 'prod' } },
          },
        ],
      },
      loadPolicyFile,
    );
    expect(policyAt(policies, '')?.policy.name).toBe('all');
    expect(policyAt(policies, '0')?.policy.name).toBe('prod');
    expect(policyAt(policies, '0')?.namespaceSelector).toEqual({ matchLabels: { env: 'prod' } });
    for (const slot of ['1', '00', '-1', 'x', '99999'])
      expect(policyAt(policies, slot)).toBeUndefined();
  });

  test('a policy that does not load stops the start with its error, naming the file and key', async () => {
    await expect(
      loadAdmissionPolicies({ policies: [{ policyFile: join(dir, 'bad.yaml') }] }, loadPolicyFile),
    ).rejects.toMatchObject({
      code: 'POLICY_INVALID',
      message: expect.stringMatching(/bad\.yaml.*colour|colour.*bad\.yaml/s) as string,
    });
  });
});
