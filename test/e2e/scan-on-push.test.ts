/**
 * Scan on push, scaled out, with the built `moat`: two `moat serve` nodes on one PostgreSQL, one
 * data directory (blobs, master key) and one Redis queue with a prefix of its own. skopeo pushes
 * the scan fixture image to node A; the scan runs on whichever node takes the job; node B's
 * `/api/v1` answers its counts, SBOM and report; both nodes serve the same signing key, and
 * `moat verify-attestation` verifies the attached SBOM and vulnerability report with it. A
 * `moat db import` of a new advisory then makes the nodes re-match the stored scan.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { scanRecords, writeScanImage } from '../../src/__fixtures__/scan-image.js';
import { ApiClient, oathtoolCode } from './access-client.js';
import { moat } from './cli.js';
import { requireTools } from './require-tools.js';
import { createTestDatabase, type TestDatabase } from './serve-backends.js';
import { makeWorkDir, type Skopeo } from './serve-clients.js';
import { adminPassword, startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo', 'oathtool']);

const redisUrl = process.env.MOAT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `moat-test-${randomUUID()}`;

let work: string;
let database: TestDatabase;
let nodeA: MoatServer;
let nodeB: MoatServer;
let skopeo: Skopeo;
let cacheDir: string;
let token: string;
let digest: string;

async function ok(pending: Promise<{ status: number; body: unknown }>): Promise<unknown> {
  const answer = await pending;
  if (answer.status >= 300)
    throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function importRecords(records: object[]): Promise<void> {
  const dir = join(work, `records-${randomUUID()}`);
  await mkdir(dir);
  for (const [i, record] of records.entries()) {
    await writeFile(join(dir, `${i}.json`), JSON.stringify(record));
  }
  const run = await moat(['db', 'import', dir, '-q'], { MOAT_CACHE_DIR: cacheDir });
  if (run.code !== 0) throw new Error(run.stderr);
}

interface ScanView {
  state: string;
  reportReferrer?: string;
  summary?: Record<string, number>;
  dbVersion?: string;
}

async function scanOn(node: MoatServer): Promise<ScanView> {
  return (await ok(
    new ApiClient(node.url, token).get(`/projects/team/repositories/app/artifacts/${digest}/scan`),
  )) as ScanView;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  ({ dir: work, skopeo } = await makeWorkDir('scan-on-push'));
  cacheDir = join(work, 'cache');
  await importRecords(scanRecords);
  const layout = join(work, 'layout');
  await writeScanImage(layout);
  database = await createTestDatabase();
  const dataDir = join(work, 'data');
  await mkdir(dataDir);
  const env = {
    MOAT_DATABASE_URL: database.url,
    MOAT_REDIS_URL: redisUrl,
    MOAT_JOBS_PREFIX: prefix,
    MOAT_CACHE_DIR: cacheDir,
    MOAT_OFFLINE: 'true',
  };
  nodeA = await startMoatServe({ dataDir, env });
  nodeB = await startMoatServe({ dataDir, env, adminPassword: null });

  const enrolling = new ApiClient(nodeA.url);
  await ok(enrolling.login('admin', adminPassword));
  const { secret } = (await ok(enrolling.post('/users/me/totp'))) as { secret: string };
  await ok(enrolling.post('/users/me/totp/confirm', { code: await oathtoolCode(secret) }));
  const admin = new ApiClient(nodeA.url);
  await ok(admin.login('admin', adminPassword, await oathtoolCode(secret, 30)));
  await ok(admin.post('/projects', { name: 'team', public: false }));
  ({ token } = (await ok(
    admin.post('/users/me/tokens', {
      name: 'scan-e2e',
      scopes: ['registry:pull', 'registry:push', 'api:read', 'api:write'],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    }),
  )) as { token: string });
  await skopeo.login(nodeA.host, { username: 'admin', password: token });
  await skopeo.mustCopy(`oci:${layout}:app`, `docker://${nodeA.host}/team/app:1.0`);
  const response = await fetch(`${nodeB.url}/v2/team/app/manifests/1.0`, {
    method: 'HEAD',
    headers: {
      authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`,
      accept: 'application/vnd.oci.image.manifest.v1+json',
    },
  });
  digest = response.headers.get('docker-content-digest') ?? '';
  expect(digest).toMatch(/^sha256:/);
}, 300_000);

afterAll(async () => {
  await nodeB?.stop();
  await nodeA?.stop();
  await database?.drop();
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('scan on push, two nodes and Redis', () => {
  it('scans the pushed image and answers on every node', async () => {
    // The results are stored first, the signed referrers follow.
    await until('the scan is done', async () => (await scanOn(nodeB)).reportReferrer !== undefined);
    const scan = await scanOn(nodeA);
    expect(scan).toMatchObject({
      state: 'done',
      summary: { CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1, UNKNOWN: 0 },
    });
    const api = new ApiClient(nodeB.url, token);
    const report = (await ok(
      api.get(`/projects/team/repositories/app/artifacts/${digest}/scan/vulnerabilities`),
    )) as { vulnerabilities: { id: string }[] };
    expect(report.vulnerabilities).toHaveLength(4);
  });

  it('signs the attached SBOM and report with the one key every node serves', async () => {
    const keys = await Promise.all(
      [nodeA, nodeB].map(async (node) => (await fetch(`${node.url}/api/v1/signing-key`)).text()),
    );
    expect(keys[0]).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keys[1]).toBe(keys[0]);
    const keyFile = join(work, 'moat-registry.pub');
    await writeFile(keyFile, keys[0] ?? '');
    const registryEnv = {
      MOAT_REGISTRY_USERNAME: 'admin',
      MOAT_REGISTRY_PASSWORD: token,
    };
    for (const type of ['vuln', 'cyclonedx']) {
      const run = await moat(
        [
          'verify-attestation',
          '--key',
          keyFile,
          '--type',
          type,
          `${nodeB.host}/team/app@${digest}`,
        ],
        registryEnv,
      );
      expect(run.code, run.stderr).toBe(0);
    }
    // Any other key is refused (exit 3).
    const other = join(work, 'other');
    await moat(['key', 'generate', '--output-key-prefix', other], {
      MOAT_PASSWORD: 'x-password-1',
    });
    const refused = await moat(
      [
        'verify-attestation',
        '--key',
        `${other}.pub`,
        '--type',
        'vuln',
        `${nodeA.host}/team/app@${digest}`,
      ],
      registryEnv,
    );
    expect(refused.code).toBe(3);
  });

  it('re-matches the stored scan after a database import', async () => {
    const before = await scanOn(nodeA);
    await importRecords([
      {
        schema_version: '1.6.0',
        id: 'GHSA-e2e0-0000-0001',
        modified: '2026-01-01T00:00:00Z',
        summary: 'a new advisory for minimist',
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
        affected: [
          {
            package: { ecosystem: 'npm', name: 'minimist' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '9.0.0' }] }],
          },
        ],
      },
    ]);
    await until('the scan is re-matched', async () => {
      const scan = await scanOn(nodeB);
      return scan.dbVersion !== before.dbVersion && scan.summary?.CRITICAL === 2;
    });
    expect(nodeA.logs() + nodeB.logs()).not.toContain(redisUrl);
  });
});
