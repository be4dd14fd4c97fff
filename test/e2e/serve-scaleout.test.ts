/**
 * Two `moat serve` processes on one PostgreSQL database and one s3rver bucket, each with its own
 * (unused) data directory: what one node is told, the other serves at once — pushes, deletes and
 * tags — and they share the administrator, its tokens, the master key and the token-signing key.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildOciLayout } from './registry-harness.js';
import { requireTools } from './require-tools.js';
import {
  createTestDatabase,
  startS3rver,
  type TestDatabase,
  type TestS3,
} from './serve-backends.js';
import {
  digestNamedFiles,
  imageBlobs,
  makeWorkDir,
  taggedDescriptor,
  type Skopeo,
} from './serve-clients.js';
import { bearerToken, registryRequest, startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo', 'umoci']);

let work: string;
let skopeo: Skopeo;
let database: TestDatabase;
let s3: TestS3;
let nodeA: MoatServer;
let nodeB: MoatServer;
let layout: string;

beforeAll(async () => {
  ({ dir: work, skopeo } = await makeWorkDir('serve-scaleout'));
  layout = join(work, 'layout');
  await buildOciLayout(layout, [
    { tag: 'one', files: { 'etc/one': 'one\n', 'srv/blob': 'a'.repeat(200_000) } },
    { tag: 'two', files: { 'etc/two': 'two\n' } },
  ]);
  database = await createTestDatabase();
  s3 = await startS3rver();
  // Both nodes seal and open the same secrets: they share the master key, as operators must.
  const env = {
    MOAT_DATABASE_URL: database.url,
    MOAT_MASTER_KEY: randomBytes(32).toString('hex'),
    ...s3.env,
  };
  nodeA = await startMoatServe({ env });
  // The second node gets no MOAT_ADMIN_PASSWORD: it must find the administrator in the database.
  nodeB = await startMoatServe({ env, adminPassword: null });
  await skopeo.login(nodeA.host, nodeA.credentials);
  await skopeo.login(nodeB.host, nodeB.credentials);
});

afterAll(async () => {
  await nodeA?.stop();
  await nodeB?.stop();
  await s3?.stop();
  await database?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('two moat serve nodes on PostgreSQL + S3', () => {
  it('shares the administrator: the second node creates none and accepts the same token', () => {
    expect(nodeB.logs()).not.toMatch(/created user admin/);
  });

  it('serves through B what was pushed through A, with the same digests', async () => {
    await skopeo.mustCopy(`oci:${layout}:one`, `docker://${nodeA.host}/scale/one:1`);
    const out = join(work, 'out-one');
    await skopeo.mustCopy(`docker://${nodeB.host}/scale/one:1`, `oci:${out}:one`);
    expect(await imageBlobs(out, 'one')).toEqual(await imageBlobs(layout, 'one'));
  });

  it('accepts on B a token that A issued', async () => {
    const token = await bearerToken(nodeA, ['repository:scale/one:pull']);
    const onB = await registryRequest(nodeB, '/v2/scale/one/manifests/1', {
      token,
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(onB.status).toBe(200);
    expect(onB.headers.get('docker-content-digest')).toBe(
      (await taggedDescriptor(layout, 'one')).digest,
    );
  });

  it('lists on both nodes the tags pushed through either', async () => {
    await skopeo.mustCopy(`oci:${layout}:two`, `docker://${nodeA.host}/scale/tags:from-a`);
    await skopeo.mustCopy(`oci:${layout}:two`, `docker://${nodeB.host}/scale/tags:from-b`);
    expect(await skopeo.listTags(`${nodeA.host}/scale/tags`)).toEqual(['from-a', 'from-b']);
    expect(await skopeo.listTags(`${nodeB.host}/scale/tags`)).toEqual(['from-a', 'from-b']);
  });

  it('answers 404 on A for a manifest deleted through B', async () => {
    await skopeo.mustCopy(`oci:${layout}:two`, `docker://${nodeA.host}/scale/deleted:1`);
    const digest = (await taggedDescriptor(layout, 'two')).digest;
    const tokenA = await bearerToken(nodeA, ['repository:scale/deleted:pull']);
    const before = await registryRequest(nodeA, `/v2/scale/deleted/manifests/${digest}`, {
      token: tokenA,
    });
    expect(before.status).toBe(200);
    const deleted = await skopeo.delete(`${nodeB.host}/scale/deleted@${digest}`);
    expect(deleted).toMatchObject({ code: 0 });
    const after = await registryRequest(nodeA, `/v2/scale/deleted/manifests/${digest}`, {
      token: tokenA,
    });
    expect(after.status).toBe(404);
    expect(after.json<{ errors: Array<{ code: string }> }>().errors[0]?.code).toBe(
      'MANIFEST_UNKNOWN',
    );
    const byTag = await registryRequest(nodeA, '/v2/scale/deleted/manifests/1', { token: tokenA });
    expect(byTag.status).toBe(404);
  });

  it('keeps no blob in the nodes’ data directories: the bytes live in the bucket', async () => {
    expect(await digestNamedFiles(nodeA.dataDir)).toEqual([]);
    expect(await digestNamedFiles(nodeB.dataDir)).toEqual([]);
    const objects = await s3.digestObjects();
    const stored = new Set(objects.map((o) => `sha256:${o.named}`));
    for (const digest of (await imageBlobs(layout, 'one')).keys()) {
      // Manifests may live in the database; configs and layers must be in the bucket.
      if (digest !== (await taggedDescriptor(layout, 'one')).digest)
        expect(stored).toContain(digest);
    }
    for (const object of objects) expect(object.actual).toBe(object.named);
  });
});
