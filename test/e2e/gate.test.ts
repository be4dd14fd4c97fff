/**
 * The compliance gate's first "done when", end to end with the built `moat` and skopeo: a project
 * policy (YAML through `/api/v1`) refusing fixable critical vulnerabilities and unsigned images;
 * a vulnerable image and a compliant one signed with `moat sign` pushed to `moat serve`; the
 * first pull refused with 403 `DENIED` naming the rule, the second served; a pull that comes
 * while the scan is still queued waits for it and then answers with a decision; and a
 * `moat db import` that adds an advisory for a package of the compliant image turns its decision
 * into a refusal once the server has re-matched the stored scans. Every decision is in the audit
 * log.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { scanRecords } from '../../src/__fixtures__/scan-image.js';
import { ApiClient, oathtoolCode } from './access-client.js';
import { moat, type MoatRun } from './cli.js';
import { requireTools } from './require-tools.js';
import { buildUmociImage, makeWorkDir, Skopeo, taggedDescriptor } from './serve-clients.js';
import {
  adminPassword,
  bearerToken,
  registryRequest,
  startMoatServe,
  type MoatServer,
} from './serve-harness.js';

requireTools(['skopeo', 'umoci', 'oathtool']);

const keyEnv = { MOAT_PASSWORD: 'e2e-gate-key-password' };
/** A package only the compliant image holds, with no advisory until the test imports one. */
const latePackage = { name: 'gate-e2e-late', version: '1.0.0' };

let work: string;
let layout: string;
let cacheDir: string;
let keyPrefix: string;
let server: MoatServer;
let api: ApiClient;
let apiToken: string;
let skopeo: Skopeo;
/** A robot that may only pull: what a deployment pulls with (publishers are not gated). */
let deployer: { username: string; password: string };
let puller: Skopeo;

const npmPackage = (name: string, version: string) => ({
  [`srv/node_modules/${name}/package.json`]: JSON.stringify({ name, version, license: 'MIT' }),
});

function expectCode(result: MoatRun, code: number): MoatRun {
  if (result.code !== code) {
    throw new Error(`moat exited ${result.code}, expected ${code}\n${result.stderr}`);
  }
  return result;
}

async function expectOk(pending: Promise<{ status: number; body: unknown }>): Promise<unknown> {
  const answer = await pending;
  if (answer.status >= 300) {
    throw new Error(`API answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

/** The administrator's session after enrolling TOTP (codes from oathtool). */
async function enrolledAdmin(): Promise<ApiClient> {
  const enrolling = new ApiClient(server.url);
  await expectOk(enrolling.login('admin', adminPassword));
  const { secret } = (await expectOk(enrolling.post('/users/me/totp'))) as { secret: string };
  await expectOk(enrolling.post('/users/me/totp/confirm', { code: await oathtoolCode(secret) }));
  const session = new ApiClient(server.url);
  await expectOk(session.login('admin', adminPassword, await oathtoolCode(secret, 30)));
  return session;
}

/** `PUT /projects/team/policy` with a YAML body. */
async function putYamlPolicy(yaml: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}/api/v1/projects/team/policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/yaml' },
    body: yaml,
  });
  const body: unknown = await response.json();
  return { status: response.status, body };
}

/** The policy of the scenario, with the release key inline (a stored policy reads no files). */
function policyYaml(publicKey: string): string {
  const key = publicKey
    .trim()
    .split('\n')
    .map((line) => `            ${line}`)
    .join('\n');
  return [
    'apiVersion: moat.dev/v1',
    'kind: Policy',
    'metadata: {name: production}',
    'spec:',
    '  onPending: wait',
    '  pendingTimeout: 5m',
    '  rules:',
    '    - name: no-fixable-critical',
    '      maxSeverity: {severity: HIGH, ignoreUnfixed: true}',
    '      message: no critical vulnerability that has a fix',
    '    - name: signed',
    '      requireSignatures:',
    '        minimum: 1',
    '        keys:',
    '          - |',
    key,
    '',
  ].join('\n');
}

/** A manifest request as the deployment robot makes it, with a pull token for `repository`. */
async function pullManifest(
  repository: string,
  reference: string,
  method = 'GET',
  credentials = deployer,
) {
  const token = await bearerToken(server, [`repository:${repository}:pull`], credentials);
  return registryRequest(server, `/v2/${repository}/manifests/${reference}`, {
    method,
    token,
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
}

interface AuditView {
  action: string;
  target: string;
  outcome: string;
  details?: Record<string, unknown>;
}

/**
 * The `gate.decision` entries about `digest`, once one matches `expected` (the audit log writes
 * in batches, so an entry may land a moment after the answer it records).
 */
async function decisionsAbout(
  digest: string,
  expected: (entry: AuditView) => boolean,
): Promise<AuditView[]> {
  for (let attempt = 0; ; attempt++) {
    const answer = (await expectOk(api.get(`/audit?action=gate.decision&limit=500`))) as {
      entries: AuditView[];
    };
    const entries = answer.entries.filter((entry) => entry.target.endsWith(`@${digest}`));
    if (entries.some(expected) || attempt >= 100) return entries;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const deniedMessage = (body: Buffer) =>
  (JSON.parse(body.toString('utf8')) as { errors: { code: string; message: string }[] }).errors[0];

beforeAll(async () => {
  ({ dir: work, skopeo } = await makeWorkDir('gate'));
  layout = join(work, 'layout');
  await buildUmociImage(layout, 'vulnerable', [
    { ...npmPackage('minimist', '1.2.5'), 'etc/app.conf': 'vulnerable\n' },
  ]);
  await buildUmociImage(layout, 'compliant', [
    {
      ...npmPackage('lodash', '4.17.21'),
      ...npmPackage(latePackage.name, latePackage.version),
      'etc/app.conf': 'compliant\n',
    },
  ]);
  // A larger image whose scan keeps the one in-process scan slot busy.
  const many: Record<string, string> = {};
  for (let i = 0; i < 4000; i++) Object.assign(many, npmPackage(`filler-${i}`, '1.0.0'));
  await buildUmociImage(layout, 'busy', [many]);
  await buildUmociImage(layout, 'waiting', [{ 'etc/app.conf': 'waiting\n' }]);

  keyPrefix = join(work, 'release');
  expectCode(await moat(['key', 'generate', '--output-key-prefix', keyPrefix], keyEnv), 0);

  cacheDir = join(work, 'cache');
  const records = join(work, 'records');
  await mkdir(records);
  for (const record of scanRecords) {
    await writeFile(join(records, `${record.id}.json`), JSON.stringify(record));
  }
  expectCode(await moat(['db', 'import', records, '-q'], { MOAT_CACHE_DIR: cacheDir }), 0);

  server = await startMoatServe({ env: { MOAT_CACHE_DIR: cacheDir, MOAT_OFFLINE: 'true' } });
  const admin = await enrolledAdmin();
  await expectOk(admin.post('/projects', { name: 'team', public: false }));
  const expiresAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
  ({ token: apiToken } = (await expectOk(
    admin.post('/users/me/tokens', {
      name: 'gate-e2e',
      scopes: ['registry:pull', 'registry:push', 'api:read', 'api:write'],
      expiresAt,
    }),
  )) as { token: string });
  api = new ApiClient(server.url, apiToken);
  await skopeo.login(server.host, { username: 'admin', password: apiToken });
  const robot = (await expectOk(
    admin.post('/projects/team/robots', { name: 'deploy', permissions: ['pull'], expiresAt }),
  )) as { name: string; secret: string };
  deployer = { username: robot.name, password: robot.secret };
  puller = new Skopeo(join(work, 'auth-deploy.json'));
  await puller.login(server.host, deployer);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('registry enforcement', () => {
  it('takes the project policy as YAML and refuses an invalid one naming the line and key', async () => {
    const invalid = await putYamlPolicy(
      'apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: bad}\nspec:\n  rules:\n    - name: x\n      nonRoot: true\n      colour: blue\n',
    );
    expect(invalid.status).toBe(400);
    const error = (invalid.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('POLICY_INVALID');
    expect(error.message).toMatch(/8/);
    expect(error.message).toContain('colour');

    const publicKey = await readFile(`${keyPrefix}.pub`, 'utf8');
    const set = await putYamlPolicy(policyYaml(publicKey));
    expect(set.status).toBe(200);
    const stored = (await expectOk(api.get('/projects/team/policy'))) as {
      name: string;
      document: { spec: { rules: { name: string }[] } };
    };
    expect(stored.name).toBe('production');
    expect(stored.document.spec.rules.map((rule) => rule.name)).toEqual([
      'no-fixable-critical',
      'signed',
    ]);
  });

  it('refuses the vulnerable image naming the rule and serves the compliant signed one', async () => {
    await skopeo.mustCopy(
      `oci:${layout}:vulnerable`,
      `docker://${server.host}/team/app:vulnerable`,
    );
    await skopeo.mustCopy(`oci:${layout}:compliant`, `docker://${server.host}/team/app:compliant`);
    const registryFlags = ['--username', 'admin', '--password', apiToken];
    expectCode(
      await moat(
        [
          'sign',
          '--key',
          `${keyPrefix}.key`,
          ...registryFlags,
          `${server.host}/team/app:compliant`,
        ],
        keyEnv,
      ),
      0,
    );

    for (const method of ['GET', 'HEAD']) {
      const refused = await pullManifest('team/app', 'vulnerable', method);
      expect(refused.status).toBe(403);
      if (method === 'GET') {
        const error = deniedMessage(refused.body);
        expect(error?.code).toBe('DENIED');
        expect(error?.message).toContain('no-fixable-critical');
        expect(error?.message).toContain('CVE-2021-44906');
      }
    }
    const copied = await puller.copy(
      `docker://${server.host}/team/app:vulnerable`,
      `oci:${join(work, 'out')}:vulnerable`,
    );
    expect(copied.code).not.toBe(0);
    expect(copied.stderr).toContain('no-fixable-critical');

    await puller.mustCopy(
      `docker://${server.host}/team/app:compliant`,
      `oci:${join(work, 'out')}:compliant`,
    );
    // A publisher (who may push here) still reads what it publishes, e.g. to sign it.
    const publisher = { username: 'admin', password: apiToken };
    expect((await pullManifest('team/app', 'vulnerable', 'GET', publisher)).status).toBe(200);
    const compliant = (await taggedDescriptor(layout, 'compliant')).digest;
    const byDigest = await pullManifest('team/app', compliant);
    expect(byDigest.status).toBe(200);

    const vulnerable = (await taggedDescriptor(layout, 'vulnerable')).digest;
    const refusedEntries = await decisionsAbout(vulnerable, (entry) => entry.outcome === 'denied');
    expect(refusedEntries.some((entry) => entry.outcome === 'denied')).toBe(true);
    expect(String(refusedEntries[0]?.details?.['failed'])).toContain('no-fixable-critical');
    expect(refusedEntries[0]?.details?.['requestedBy']).toBe(deployer.username);
    const served = await decisionsAbout(compliant, (entry) => entry.outcome === 'success');
    expect(served.some((entry) => entry.outcome === 'success')).toBe(true);
  });

  it('makes a pull that comes before the scan is done wait for it, then answers', async () => {
    await skopeo.mustCopy(`oci:${layout}:busy`, `docker://${server.host}/team/busy:1`);
    await skopeo.mustCopy(`oci:${layout}:waiting`, `docker://${server.host}/team/waiting:1`);
    const answer = await pullManifest('team/waiting', '1');
    // A decision, not a pending refusal: nothing vulnerable, but nobody signed it.
    expect(answer.status).toBe(403);
    const message = deniedMessage(answer.body)?.message ?? '';
    expect(message).toContain('signed');
    expect(message).not.toContain('no-fixable-critical');
    expect(message).not.toMatch(/scan of/);
    const digest = (await taggedDescriptor(layout, 'waiting')).digest;
    const entries = await decisionsAbout(
      digest,
      (entry) => entry.details?.['waitedFor'] !== undefined,
    );
    expect(entries.map((entry) => entry.details)).toContainEqual(
      expect.objectContaining({
        trigger: 'pull',
        waitedFor: expect.stringMatching(/^(pending|running)$/) as unknown,
      }),
    );
  });

  it('changes the decision after a database import and the rescan it causes', async () => {
    const compliant = (await taggedDescriptor(layout, 'compliant')).digest;
    expect((await pullManifest('team/app', compliant)).status).toBe(200);
    const records = join(work, 'late-records');
    await mkdir(records);
    const advisory = {
      schema_version: '1.6.0',
      id: 'GHSA-gate-e2e-late',
      aliases: ['CVE-2099-0001'],
      modified: '2025-06-01T00:00:00Z',
      summary: `Remote code execution in ${latePackage.name}`,
      affected: [
        {
          package: { ecosystem: 'npm', name: latePackage.name },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
        },
      ],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    };
    await writeFile(join(records, 'late.json'), JSON.stringify(advisory));
    expectCode(await moat(['db', 'import', records, '-q'], { MOAT_CACHE_DIR: cacheDir }), 0);

    // The server notices the new database and re-matches; the pull is refused once it has.
    let answer = await pullManifest('team/app', compliant);
    for (let attempt = 0; answer.status === 200 && attempt < 240; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      answer = await pullManifest('team/app', compliant);
    }
    expect(answer.status).toBe(403);
    expect(deniedMessage(answer.body)?.message).toContain('CVE-2099-0001');
    const byRescan = (entry: AuditView) =>
      entry.details?.['trigger'] === 'rescan' && entry.outcome === 'denied';
    expect((await decisionsAbout(compliant, byRescan)).some(byRescan)).toBe(true);
  });
});
