/**
 * The Kubernetes admission webhooks end to end, with the built `moat`, skopeo, Debian's kubectl
 * and docker-registry. `moat admission manifests` generates the CA and serving certificate;
 * `moat serve` runs over TLS with them and with the policies of a `moat.yaml` (one for every
 * namespace, one bound by a namespace label at its own path); the webhook is called as the API
 * server calls it (HTTPS to the Service's DNS name, trusting only the `caBundle`) with
 * AdmissionReviews around objects made by `kubectl create deployment|job|cronjob` and `kubectl run`
 * (`--dry-run=client -o json`). Images pushed to Moat are decided by the gate (scan at once),
 * images of docker-registry by the policy pipeline; answers are checked for allowed, denied and
 * warned images, and the mutating webhook's patch, applied, pins each tag to its digest.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { scanRecords } from '../../src/__fixtures__/scan-image.js';
import { applyJsonPatch } from '../../src/admission/__fixtures__/json-patch.js';
import { reviewOfObject } from '../../src/admission/__fixtures__/reviews.js';
import { moat, type MoatRun } from './cli.js';
import { startRegistry, type TestRegistry } from './registry-harness.js';
import { requireTools } from './require-tools.js';
import { buildUmociImage, makeWorkDir, Skopeo, taggedDescriptor } from './serve-clients.js';
import { createToken, startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo', 'umoci', 'kubectl', 'docker-registry']);

const serviceName = 'moat';
const namespace = 'moat-system';
const serviceHost = `${serviceName}.${namespace}.svc`;

let work: string;
let layout: string;
let skopeo: Skopeo;
let server: MoatServer;
let partner: TestRegistry;
let discovery: Server;
let discoveryUrl: string;
let moatHost: string;
let caBundle: string;
let webhookPaths: string[];
const digests: Record<string, string> = {};

interface Answer {
  status: number;
  body: {
    apiVersion?: string;
    kind?: string;
    message?: string;
    response?: {
      uid: string;
      allowed: boolean;
      status?: { code: number; message: string };
      warnings?: string[];
      patch?: string;
      patchType?: string;
    };
  };
}

type KubeObject = { apiVersion: string; kind: string; metadata?: { name?: string } } & Record<
  string,
  unknown
>;

function expectCode(result: MoatRun, code: number): MoatRun {
  if (result.code !== code) throw new Error(`moat exited ${result.code}\n${result.stderr}`);
  return result;
}

const npmPackage = (name: string, version: string) => ({
  [`srv/node_modules/${name}/package.json`]: JSON.stringify({ name, version, license: 'MIT' }),
});

function kubectl(args: string[]): Promise<KubeObject> {
  return new Promise((resolve, reject) => {
    execFile(
      'kubectl',
      [...args, '--dry-run=client', '-o', 'json', `--cache-dir=${join(work, 'kube-cache')}`],
      (error, stdout, stderr) => {
        if (error) reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`));
        else resolve(JSON.parse(stdout) as KubeObject);
      },
    );
  });
}

/**
 * `kubectl run` asks the server which resource a Pod is even with `--dry-run=client`: a discovery
 * endpoint answering only that is enough.
 */
async function startDiscovery(): Promise<void> {
  const documents: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'] },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
    '/api/v1': {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create'] },
      ],
    },
  };
  discovery = createHttpServer((request, response) => {
    const document = documents[(request.url ?? '').split('?')[0] ?? ''];
    response.writeHead(document === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(document === undefined ? '{}' : JSON.stringify(document));
  });
  await new Promise<void>((resolve) => discovery.listen(0, '127.0.0.1', resolve));
  const address = discovery.address();
  discoveryUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** POSTs to the webhook as the API server does: HTTPS to the Service name, trusting the caBundle. */
function callWebhook(path: string, body: unknown): Promise<Answer> {
  return httpsCall('POST', path, body);
}

/** One HTTPS request to the server by its Service name, trusting only the generated CA. */
function httpsCall(
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const port = Number(server.host.split(':')[1]);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        servername: serviceHost,
        ca: Buffer.from(caBundle, 'base64'),
        method,
        path,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': payload.length,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'],
          });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const policy = (name: string, registries: () => string[]) => `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: ${name}}
spec:
  rules:
    - name: no-fixable-critical
      maxSeverity: {severity: HIGH, ignoreUnfixed: true}
      message: no critical vulnerability that has a fix
    - name: no-lodash
      forbiddenPackages: [{name: lodash, type: npm}]
      message: lodash is being phased out
      enforcementAction: warn
    - name: known-registries
      allowedRegistries: ${JSON.stringify(registries())}
`;

beforeAll(async () => {
  ({ dir: work, skopeo } = await makeWorkDir('admission'));
  layout = join(work, 'layout');
  await buildUmociImage(layout, 'vulnerable', [
    { ...npmPackage('minimist', '1.2.5'), 'etc/app.conf': 'vulnerable\n' },
  ]);
  await buildUmociImage(layout, 'warned', [
    { ...npmPackage('lodash', '4.17.21'), 'etc/app.conf': 'warned\n' },
  ]);
  await buildUmociImage(layout, 'clean', [{ 'etc/app.conf': 'clean\n' }]);
  for (const tag of ['vulnerable', 'warned', 'clean']) {
    digests[tag] = (await taggedDescriptor(layout, tag)).digest;
  }

  const cacheDir = join(work, 'cache');
  const records = join(work, 'records');
  await mkdir(records);
  for (const record of scanRecords) {
    await writeFile(join(records, `${record.id}.json`), JSON.stringify(record));
  }
  expectCode(await moat(['db', 'import', records, '-q'], { MOAT_CACHE_DIR: cacheDir }), 0);

  partner = await startRegistry();
  for (const tag of ['clean', 'vulnerable']) {
    await skopeo.mustCopy(`oci:${layout}:${tag}`, `docker://${partner.host}/partner/${tag}:1`);
  }
  await startDiscovery();

  moatHost = `127.0.0.1:${await freePort()}`;
  await writeFile(
    join(work, 'cluster.yaml'),
    policy('cluster', () => [moatHost]),
  );
  await writeFile(
    join(work, 'partner.yaml'),
    policy('partner', () => [moatHost, partner.host]),
  );
  const moatYaml = join(work, 'moat.yaml');
  await writeFile(
    moatYaml,
    [
      'admission:',
      '  policyFile: cluster.yaml',
      '  policies:',
      '    - policyFile: partner.yaml',
      '      namespaceSelector: {matchLabels: {moat.dev/partner: "yes"}}',
      '  timeout: 60s',
      '',
    ].join('\n'),
  );

  // The certificates and webhook paths exactly as the cluster would get them.
  const manifests = expectCode(
    await moat([
      'admission',
      'manifests',
      '--service-name',
      serviceName,
      '--namespace',
      namespace,
      '--config',
      moatYaml,
    ]),
    0,
  );
  const objects = parseAllDocuments(manifests.stdout).map((d) => d.toJS() as KubeObject);
  const secret = objects.find((o) => o.kind === 'Secret') as unknown as {
    stringData: Record<string, string>;
  };
  const validating = objects.find(
    (o) => o.kind === 'ValidatingWebhookConfiguration',
  ) as unknown as {
    webhooks: Array<{ clientConfig: { caBundle: string; service: { path: string } } }>;
  };
  caBundle = validating.webhooks[0]?.clientConfig.caBundle ?? '';
  webhookPaths = validating.webhooks.map((w) => w.clientConfig.service.path);
  const cert = join(work, 'tls.crt');
  const key = join(work, 'tls.key');
  await writeFile(cert, secret.stringData['tls.crt'] ?? '');
  await writeFile(key, secret.stringData['tls.key'] ?? '', { mode: 0o600 });

  server = await startMoatServe({
    env: { MOAT_CACHE_DIR: cacheDir, MOAT_OFFLINE: 'true' },
    args: ['--config', moatYaml, '--listen', moatHost, '--tls-cert', cert, '--tls-key', key],
  });
  expect(server.host).toBe(moatHost);
  expect((await server.admin(['project', 'create', 'team'])).code).toBe(0);
  await skopeo.login(server.host, server.credentials);
  for (const tag of ['vulnerable', 'warned', 'clean']) {
    await skopeo.mustCopy(`oci:${layout}:${tag}`, `docker://${moatHost}/team/app:${tag}`);
  }
}, 600_000);

afterAll(async () => {
  await server?.stop();
  await partner?.stop();
  discovery?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('validating webhook', () => {
  it('serves every path the generated ValidatingWebhookConfiguration names', () => {
    expect(webhookPaths).toEqual(['/admission/validate/0', '/admission/validate']);
  });

  it('denies a Deployment of a vulnerable image, naming the rule and the CVE', async () => {
    const deployment = await kubectl([
      'create',
      'deployment',
      'web',
      `--image=${moatHost}/team/app:vulnerable`,
    ]);
    const answer = await callWebhook(
      '/admission/validate',
      reviewOfObject(deployment, { uid: 'd-1' }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
    });
    expect(answer.body.response).toMatchObject({
      uid: 'd-1',
      allowed: false,
      status: { code: 403 },
    });
    const message = answer.body.response?.status?.message ?? '';
    expect(message).toContain(`container app (${moatHost}/team/app:vulnerable)`);
    expect(message).toContain('no-fixable-critical');
    expect(message).toContain('CVE-2021-44906');
  });

  it('allows a Job of an image a warn rule flags, with the warning', async () => {
    const job = await kubectl(['create', 'job', 'batch', `--image=${moatHost}/team/app:warned`]);
    const answer = await callWebhook('/admission/validate', reviewOfObject(job));
    expect(answer.body.response?.allowed).toBe(true);
    expect(answer.body.response?.status).toBeUndefined();
    expect(answer.body.response?.warnings?.join('\n')).toContain(
      'no-lodash: lodash is being phased out',
    );
  });

  it('allows a CronJob of a compliant image without a warning', async () => {
    const cronJob = await kubectl([
      'create',
      'cronjob',
      'nightly',
      `--image=${moatHost}/team/app:clean`,
      '--schedule=0 3 * * *',
    ]);
    const answer = await callWebhook('/admission/validate', reviewOfObject(cronJob));
    expect(answer.body.response).toEqual({ uid: expect.any(String) as string, allowed: true });
  });

  it('denies a Pod from a registry neither Moat’s nor allowed, without contacting it', async () => {
    const pod = await kubectl([
      'run',
      'shell',
      '--image=docker.io/library/busybox:1.36',
      `--server=${discoveryUrl}`,
    ]);
    const answer = await callWebhook('/admission/validate', reviewOfObject(pod));
    expect(answer.body.response?.allowed).toBe(false);
    expect(answer.body.response?.status?.message).toContain('registry docker.io is neither Moat');
  });

  it('denies a digest the registry does not hold, and one whose tag points elsewhere only warns', async () => {
    const missing = `sha256:${'1'.repeat(64)}`;
    const pod = await kubectl([
      'run',
      'pinned',
      `--image=${moatHost}/team/app@${missing}`,
      `--server=${discoveryUrl}`,
    ]);
    const answer = await callWebhook('/admission/validate', reviewOfObject(pod));
    expect(answer.body.response?.allowed).toBe(false);
    expect(answer.body.response?.status?.message).toContain(
      `holds no manifest ${moatHost}/team/app@${missing}`,
    );

    const moved = await kubectl([
      'run',
      'moved',
      `--image=${moatHost}/team/app:warned@${digests.clean}`,
      `--server=${discoveryUrl}`,
    ]);
    const movedAnswer = await callWebhook('/admission/validate', reviewOfObject(moved));
    expect(movedAnswer.body.response?.allowed).toBe(true);
    expect(movedAnswer.body.response?.warnings?.join('\n')).toContain(
      `now points at ${digests.warned}`,
    );
  });

  it('decides a debug container added through the ephemeralcontainers subresource', async () => {
    const pod = await kubectl([
      'run',
      'app',
      `--image=${moatHost}/team/app:clean`,
      `--server=${discoveryUrl}`,
    ]);
    const spec = pod.spec as Record<string, unknown>;
    const debugged = {
      ...pod,
      spec: {
        ...spec,
        ephemeralContainers: [{ name: 'debugger', image: `${moatHost}/team/app:vulnerable` }],
      },
    };
    const review = reviewOfObject(debugged, {
      operation: 'UPDATE',
      subResource: 'ephemeralcontainers',
      oldObject: pod,
    });
    const answer = await callWebhook('/admission/validate', review);
    expect(answer.body.response?.allowed).toBe(false);
    expect(answer.body.response?.status?.message).toContain('container debugger');
  });

  it('applies the bound policy at its own path: another registry allowed there, decided by its scan', async () => {
    const clean = await kubectl([
      'create',
      'deployment',
      'partner',
      `--image=${partner.host}/partner/clean:1`,
    ]);
    const allowed = await callWebhook('/admission/validate/0', reviewOfObject(clean));
    expect(allowed.body.response?.allowed).toBe(true);
    // The policy of every other namespace does not allow that registry.
    const elsewhere = await callWebhook('/admission/validate', reviewOfObject(clean));
    expect(elsewhere.body.response?.status?.message).toContain(
      `registry ${partner.host} is neither`,
    );

    const vulnerable = await kubectl([
      'create',
      'job',
      'partner-job',
      `--image=${partner.host}/partner/vulnerable:1`,
    ]);
    const denied = await callWebhook('/admission/validate/0', reviewOfObject(vulnerable));
    expect(denied.body.response?.allowed).toBe(false);
    expect(denied.body.response?.status?.message).toContain('policy partner');
    expect(denied.body.response?.status?.message).toContain('CVE-2021-44906');
  });

  it('denies a digest another registry does not hold, with the registry’s reason', async () => {
    const missing = `sha256:${'2'.repeat(64)}`;
    const job = await kubectl([
      'create',
      'job',
      'gone',
      `--image=${partner.host}/partner/clean@${missing}`,
    ]);
    const answer = await callWebhook('/admission/validate/0', reviewOfObject(job));
    expect(answer.body.response?.allowed).toBe(false);
    expect(answer.body.response?.status?.message).toContain(`partner/clean@${missing}`);
  });

  it('allows DELETE untouched', async () => {
    const deployment = await kubectl([
      'create',
      'deployment',
      'gone',
      `--image=${moatHost}/team/app:vulnerable`,
    ]);
    const answer = await callWebhook(
      '/admission/validate',
      reviewOfObject(deployment, { operation: 'DELETE' }),
    );
    expect(answer.body.response?.allowed).toBe(true);
  });
});

describe('mutating webhook', () => {
  it('pins each tag to its digest; the patched Deployment names the pushed manifests', async () => {
    const deployment = await kubectl([
      'create',
      'deployment',
      'pinned',
      `--image=${moatHost}/team/app:clean`,
      `--image=${partner.host}/partner/clean:1`,
    ]);
    const answer = await callWebhook(
      '/admission/mutate',
      reviewOfObject(deployment, { uid: 'm-1' }),
    );
    expect(answer.body.response).toMatchObject({
      uid: 'm-1',
      allowed: true,
      patchType: 'JSONPatch',
    });
    const operations = JSON.parse(
      Buffer.from(answer.body.response?.patch ?? '', 'base64').toString('utf8'),
    ) as Record<string, unknown>[];
    const patched = applyJsonPatch(deployment, operations) as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(patched.spec.template.spec.containers.map((c) => c.image)).toEqual([
      `${moatHost}/team/app:clean@${digests.clean}`,
      `${partner.host}/partner/clean:1@${digests.clean}`,
    ]);

    // The pinned object is admitted as the tagged one was.
    const validated = await callWebhook(
      '/admission/validate/0',
      reviewOfObject(patched as unknown as KubeObject),
    );
    expect(validated.body.response?.allowed).toBe(true);
  });
});

describe('proxy projects', () => {
  it('pulls an image of a proxy project through, scans and decides it, and pins it', async () => {
    const token = await createToken((args) => server.admin(args), 'admin', 'api:read,api:write');
    const created = await httpsCall(
      'POST',
      '/api/v1/projects',
      { name: 'mirror', proxy: { url: `http://${partner.host}` } },
      { authorization: `Bearer ${token}` },
    );
    expect(created.status).toBe(201);
    // Never pulled before: the webhook pulls it through as the kubelet's pull would.
    const image = `${moatHost}/mirror/partner/clean:1`;
    const job = await kubectl(['create', 'job', 'mirrored', `--image=${image}`]);
    const validated = await callWebhook('/admission/validate', reviewOfObject(job));
    expect(validated.body.response).toMatchObject({ allowed: true });
    const mutated = await callWebhook('/admission/mutate', reviewOfObject(job));
    const operations = JSON.parse(
      Buffer.from(mutated.body.response?.patch ?? '', 'base64').toString('utf8'),
    ) as Record<string, unknown>[];
    expect(operations.at(-1)).toMatchObject({ op: 'replace', value: `${image}@${digests.clean}` });

    const vulnerable = await kubectl([
      'create',
      'job',
      'mirrored-vulnerable',
      `--image=${moatHost}/mirror/partner/vulnerable:1`,
    ]);
    const refused = await callWebhook('/admission/validate', reviewOfObject(vulnerable));
    expect(refused.body.response?.allowed).toBe(false);
    expect(refused.body.response?.status?.message).toContain('CVE-2021-44906');
  });
});

describe('bad input', () => {
  it('answers a body that is not JSON with 400 and the reason', async () => {
    const answer = await callWebhook('/admission/validate', Buffer.from('not json'));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain('not JSON');
  });

  it('refuses a Deployment of 1,000 containers with its uid and the limit', async () => {
    const deployment = await kubectl([
      'create',
      'deployment',
      'wide',
      `--image=${moatHost}/team/app:clean`,
    ]);
    const template = (
      deployment.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }
    ).template.spec;
    const [first] = template.containers;
    template.containers = Array.from({ length: 1000 }, (_, i) => ({ ...first, name: `c${i}` }));
    const answer = await callWebhook(
      '/admission/validate',
      reviewOfObject(deployment, { uid: 'wide' }),
    );
    expect(answer.body.response).toMatchObject({
      uid: 'wide',
      allowed: false,
      status: { code: 400 },
    });
    expect(answer.body.response?.status?.message).toContain('1000 containers, more than the limit');
    // The server is still answering.
    const next = await callWebhook(
      '/admission/validate',
      reviewOfObject(deployment, { operation: 'DELETE' }),
    );
    expect(next.body.response?.allowed).toBe(true);
  });

  it('answers a body past the size limit with 413', async () => {
    // The server answers by the declared length before reading the body: spoken over a raw TLS
    // socket, which can stop writing and read the answer.
    const port = Number(server.host.split(':')[1]);
    const head = await new Promise<string>((resolve) => {
      const received: Buffer[] = [];
      const socket = tlsConnect(
        { host: '127.0.0.1', port, servername: serviceHost, ca: Buffer.from(caBundle, 'base64') },
        () => {
          const size = 5 * 1024 * 1024;
          socket.write(
            `POST /admission/mutate HTTP/1.1\r\nhost: ${serviceHost}\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`,
          );
          // No body: the server refuses by the declared length, and its close with unread bytes
          // would reset the connection under its answer.
        },
      );
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        // The status line and headers are all the test needs.
        if (Buffer.concat(received).includes('\r\n\r\n')) socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
    });
    expect(head).toMatch(/^HTTP\/1\.1 413/);
  });
});
