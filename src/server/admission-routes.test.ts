import { createServer, type Server, type Socket } from 'node:net';

import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { applyJsonPatch } from '../admission/__fixtures__/json-patch.js';
import { podSpec, reviewOfObject, workload } from '../admission/__fixtures__/reviews.js';
import { admissionLimits } from '../admission/limits.js';
import type { AuditLog } from '../auth/services.js';
import type { AdmissionPolicies } from '../admission/policies.js';
import type { AdmissionResponse } from '../admission/review.js';
import {
  openTestRegistry,
  pushBlob,
  pushManifest,
  blobRef,
  type TestRegistry,
} from '../jobs/__fixtures__/test-registry.js';
import { pushLayout } from '../jobs/__fixtures__/push-layout.js';
import { openScanWorld, type ScanWorld } from '../jobs/__fixtures__/scan-stores.js';
import { openMemoryQueue } from '../jobs/queue-memory.js';
import type { JobQueue } from '../jobs/queue-types.js';
import { openScanService, type OpenScanService } from '../jobs/scan-service.js';
import { parsePolicy } from '../policy/index.js';
import { checkImage } from '../policy/index.js';
import { registerAdmission } from './admission-routes.js';
import { openGateService, type OpenGateService } from './gate/service.js';

const moatHost = 'moat.test:5000';

const policyText = (registries: string[]) => `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: cluster}
spec:
  rules:
    - name: known-registries
      allowedRegistries: ${JSON.stringify(registries)}
`;

interface Answer {
  status: number;
  response?: AdmissionResponse;
  body: Record<string, unknown>;
}

describe('admission routes', () => {
  let registry: TestRegistry;
  let app: FastifyInstance;
  let digest: string;
  let hanging: Server;
  const sockets = new Set<Socket>();
  let hangingHost: string;

  beforeAll(async () => {
    registry = await openTestRegistry('fs + sqlite');
    const config = await pushBlob(registry, 'team/app');
    ({ digest } = await pushManifest(registry, 'team/app', [blobRef(config)], { tag: '1.0' }));
    // A registry that accepts connections and never answers.
    hanging = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const address = hanging.address();
    hangingHost = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const policies: AdmissionPolicies = {
      fallback: {
        slot: '',
        policy: await parsePolicy(policyText(['registry.example.com']), 'cluster.yaml'),
      },
      bindings: [{ slot: '0', policy: await parsePolicy(policyText([hangingHost]), 'slow.yaml') }],
    };
    app = Fastify();
    registerAdmission(app, {
      meta: registry.meta,
      policies,
      config: { admission: { policies: [], cacheTtlMs: 60_000, timeoutMs: 500 } },
      publicHosts: () => [moatHost],
      checkExternal: async (reference, policy) =>
        (await checkImage(`docker://${reference}`, policy, { offline: true })).decision,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    for (const socket of sockets) socket.destroy();
    hanging.close();
    await registry.close();
  });

  async function post(path: string, body: unknown): Promise<Answer> {
    const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const reply = await app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/json' },
      payload,
    });
    const parsed = reply.json<Record<string, unknown>>();
    return {
      status: reply.statusCode,
      body: parsed,
      ...(parsed.response !== undefined ? { response: parsed.response as AdmissionResponse } : {}),
    };
  }

  test('mutate pins a tag of Moat’s registry to its digest, and the patch applies', async () => {
    const deployment = workload(
      'Deployment',
      podSpec([`${moatHost}/team/app:1.0`, `${moatHost}/team/app@${digest}`]),
    );
    const review = reviewOfObject(deployment, { uid: 'm-1' });
    const answer = await post('/admission/mutate', review);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
    });
    expect(answer.response).toMatchObject({ uid: 'm-1', allowed: true, patchType: 'JSONPatch' });
    const operations = JSON.parse(
      Buffer.from(answer.response?.patch ?? '', 'base64').toString(),
    ) as Record<string, unknown>[];
    const patched = applyJsonPatch(deployment, operations) as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(patched.spec.template.spec.containers.map((c) => c.image)).toEqual([
      `${moatHost}/team/app:1.0@${digest}`,
      `${moatHost}/team/app@${digest}`,
    ]);
  });

  test('mutate leaves an unknown tag unpinned with a warning, never refusing', async () => {
    const answer = await post(
      '/admission/mutate',
      reviewOfObject(workload('Pod', podSpec([`${moatHost}/team/app:9`]))),
    );
    expect(answer.response?.allowed).toBe(true);
    expect(answer.response?.patch).toBeUndefined();
    expect(answer.response?.warnings?.[0]).toContain(
      `Moat's registry has no tag ${moatHost}/team/app:9`,
    );
  });

  test('validate refuses an image from a registry neither Moat’s nor allowed, naming both', async () => {
    const answer = await post(
      '/admission/validate',
      reviewOfObject(workload('Job', podSpec(['docker.io/library/nginx:1.27'])), { uid: 'v-1' }),
    );
    expect(answer.response).toMatchObject({ uid: 'v-1', allowed: false, status: { code: 403 } });
    expect(answer.response?.status?.message).toContain(
      `container c0 (docker.io/library/nginx:1.27): registry docker.io is neither Moat's registry (${moatHost}) nor allowed by policy cluster`,
    );
  });

  test('validate refuses a digest Moat’s registry does not hold', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    const answer = await post(
      '/admission/validate',
      reviewOfObject(workload('Pod', podSpec([`${moatHost}/team/app@${missing}`]))),
    );
    expect(answer.response?.allowed).toBe(false);
    expect(answer.response?.status?.message).toContain(
      `holds no manifest ${moatHost}/team/app@${missing}`,
    );
  });

  test('an image of Moat’s registry is refused with the reason when registry enforcement is not running', async () => {
    const answer = await post(
      '/admission/validate',
      reviewOfObject(workload('Pod', podSpec([`${moatHost}/team/app:1.0`]))),
    );
    expect(answer.response?.status?.message).toContain('registry enforcement is not running');
  });

  test('DELETE, other kinds and the status subresource are allowed untouched', async () => {
    const pod = workload('Pod', podSpec(['docker.io/library/nginx']));
    for (const review of [
      reviewOfObject(pod, { operation: 'DELETE' }),
      reviewOfObject(pod, { operation: 'UPDATE', subResource: 'status' }),
      reviewOfObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
    ]) {
      const answer = await post('/admission/validate', review);
      expect(answer.response).toEqual({
        uid: (review.request as { uid: string }).uid,
        allowed: true,
      });
    }
  });

  test('a decision not made within the timeout is refused with code 504 and the reason', async () => {
    const answer = await post(
      '/admission/validate/0',
      reviewOfObject(workload('Pod', podSpec([`${hangingHost}/slow/app:1`]))),
    );
    expect(answer.response).toMatchObject({
      allowed: false,
      status: { code: 504, reason: 'Timeout' },
    });
    expect(answer.response?.status?.message).toContain('not decided within 500 ms');
  });

  test('a path without a bound policy answers a refusal naming the configuration', async () => {
    const answer = await post(
      '/admission/validate/7',
      reviewOfObject(workload('Pod', podSpec(['a']))),
    );
    expect(answer.response?.allowed).toBe(false);
    expect(answer.response?.status?.message).toContain('admission.policies has 1 entries');
  });

  describe('bad input never crashes the server', () => {
    test('a body that is not JSON gets 400 with the reason', async () => {
      const answer = await post('/admission/validate', '{"apiVersion":');
      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain('not JSON');
    });

    test('a body past the size limit gets 413', async () => {
      const answer = await post(
        '/admission/mutate',
        Buffer.alloc(admissionLimits.maxBodyBytes + 1, 0x20),
      );
      expect(answer.status).toBe(413);
      expect(answer.body.message).toContain('larger than the limit');
    });

    test('1,000 containers are refused in the review, with its uid and the limit', async () => {
      const images = Array.from({ length: 1000 }, (_, i) => `img${i}:1`);
      const answer = await post(
        '/admission/validate',
        reviewOfObject(workload('Pod', podSpec(images)), { uid: 'big' }),
      );
      expect(answer.response).toMatchObject({ uid: 'big', allowed: false, status: { code: 400 } });
      expect(answer.response?.status?.message).toContain(
        '1000 containers, more than the limit of 256',
      );
      const mutate = await post(
        '/admission/mutate',
        reviewOfObject(workload('Pod', podSpec(images)), { uid: 'big2' }),
      );
      expect(mutate.response).toMatchObject({ uid: 'big2', allowed: false });
    });

    test('a malformed object is refused with its uid', async () => {
      const review = reviewOfObject(workload('Pod', { containers: 'nginx' }), { uid: 'bad' });
      const answer = await post('/admission/validate', review);
      expect(answer.response).toMatchObject({ uid: 'bad', allowed: false, status: { code: 400 } });
      expect(answer.response?.status?.message).toContain('containers is not a list');
    });

    test('an invalid image reference is refused naming it', async () => {
      const answer = await post(
        '/admission/validate',
        reviewOfObject(workload('Pod', podSpec(['UPPER/Case:x']))),
      );
      expect(answer.response?.status?.message).toContain('invalid image reference');
    });
  });
});

describe('admission routes with the gate (SQLite)', () => {
  const repository = 'team/app';
  let world: ScanWorld;
  let queue: JobQueue;
  let scans: OpenScanService;
  let gate: OpenGateService;
  let audit: AuditLog;
  let app: FastifyInstance;
  let digest: string;

  beforeAll(async () => {
    world = await openScanWorld('sqlite');
    queue = openMemoryQueue({ backoffMs: 10 });
    audit = world.context.audit as AuditLog;
    // Nobody takes jobs: the decision runs the scan itself.
    scans = openScanService({
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      database: world.stores.database,
      queue,
      scan: { cacheDir: world.cacheDir, offline: true },
      signer: { internal: world.internal, key: world.signing.key, toolVersion: 'test' },
      dbWatchMs: 0,
    });
    gate = openGateService({
      database: world.stores.database,
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      scans,
      internal: world.internal,
      audit,
      config: { pendingTimeoutMs: 60_000 },
      registryHost: () => moatHost,
    });
    digest = await pushLayout(world.internal, world.layout, repository, '1');
    app = Fastify();
    registerAdmission(app, {
      gate,
      meta: world.stores.meta,
      policies: {
        fallback: {
          slot: '',
          policy: await parsePolicy(
            `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: cluster}
spec:
  rules:
    - name: no-fixable-critical
      maxSeverity: {severity: HIGH, ignoreUnfixed: true}
`,
            'cluster.yaml',
          ),
        },
        bindings: [],
      },
      config: { admission: { policies: [], cacheTtlMs: 60_000, timeoutMs: 30_000 } },
      publicHosts: () => [moatHost],
      checkExternal: () => Promise.reject(new Error('no external image here')),
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    gate.close();
    scans.close();
    await queue.close(5000);
    await world.close();
  });

  const audited = async () => {
    await audit.flush();
    const entries = await audit.query({ action: 'gate.decision', limit: 1000 });
    return entries.filter((entry) => entry.target === `${repository}@${digest}`);
  };

  const validate = async (uid: string, dryRun: boolean) => {
    const review = reviewOfObject(
      workload('Pod', podSpec([`${moatHost}/${repository}@${digest}`])),
      {
        uid,
      },
    );
    (review.request as Record<string, unknown>).dryRun = dryRun;
    const reply = await app.inject({
      method: 'POST',
      url: '/admission/validate',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(review),
    });
    expect(reply.statusCode).toBe(200);
    return reply.json<{ response: AdmissionResponse }>().response;
  };

  test('a dry-run review is decided like any other but adds no audit entry; a real one does', async () => {
    const dry = await validate('dry-1', true);
    expect(dry).toMatchObject({ uid: 'dry-1', allowed: false, status: { code: 403 } });
    expect(dry.status?.message).toContain('no-fixable-critical');
    expect(await audited()).toHaveLength(0);

    // The dry run's decision was not cached: the real review makes (and audits) its own.
    const real = await validate('real-1', false);
    expect(real).toMatchObject({ uid: 'real-1', allowed: false, status: { code: 403 } });
    const entries = await audited();
    expect(entries).toHaveLength(1);
    expect(entries[0]?.details).toMatchObject({ trigger: 'admission', requestedBy: 'admission' });

    // A dry run answered from the cache adds nothing either.
    expect(await validate('dry-2', true)).toMatchObject({ uid: 'dry-2', allowed: false });
    expect(await audited()).toHaveLength(1);
  });
});
