/**
 * Crash consistency of `moat serve`: several skopeo pushes run at once (different images sharing
 * one base layer) when `kill -9` hits the server as soon as the first of them is acknowledged.
 * After a restart on the same storage every acknowledged push is intact, no blob the registry
 * shows is half-written (neither over HTTP nor in the blob store), and pushing again works. On the
 * embedded default (filesystem + SQLite) and on PostgreSQL + s3rver.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeOciLayout, type ImageSpec } from '../fixtures/image-builder.js';
import { requireTools } from './require-tools.js';
import { createTestDatabase, startS3rver } from './serve-backends.js';
import {
  digestNamedFiles,
  imageBlobs,
  makeWorkDir,
  randomLayer,
  type Skopeo,
  type ToolRun,
} from './serve-clients.js';
import { bearerToken, registryRequest, startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo']);

const megabyte = 1024 * 1024;
/** Own data of each image, MB: the smallest finishes first, the others are cut mid-way. */
const sizes = [2, 12, 24, 40];
const tags = sizes.map((_, i) => `img${i}`);

let work: string;
let skopeo: Skopeo;
let layout: string;

beforeAll(async () => {
  ({ dir: work, skopeo } = await makeWorkDir('serve-crash'));
  layout = join(work, 'layout');
  const base = randomLayer('base', 4, megabyte);
  const images: ImageSpec[] = sizes.map((size, i) => ({
    tag: tags[i],
    layers: [
      base,
      randomLayer(`img${i}-a`, size / 2, megabyte),
      randomLayer(`img${i}-b`, size / 2, megabyte),
    ],
  }));
  await writeOciLayout(layout, images);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Pushes every image at once; kills the server when the first push is acknowledged. */
async function pushAndKill(server: MoatServer): Promise<ToolRun[]> {
  let killed: Promise<void> | undefined;
  const pushes = tags.map(async (tag) => {
    const result = await skopeo.copy(
      `oci:${layout}:${tag}`,
      `docker://${server.host}/crash/${tag}:1`,
    );
    if (result.code === 0) killed ??= server.kill9();
    return result;
  });
  const results = await Promise.all(pushes);
  await (killed ?? server.kill9());
  return results;
}

/** Every blob of every image that the server shows in the image's repository hashes to its digest. */
async function visibleBlobsAreWhole(server: MoatServer): Promise<number> {
  let visible = 0;
  for (const tag of tags) {
    const repo = `crash/${tag}`;
    const token = await bearerToken(server, [`repository:${repo}:pull`]);
    for (const digest of (await imageBlobs(layout, tag)).keys()) {
      const got = await registryRequest(server, `/v2/${repo}/blobs/${digest}`, { token });
      if (got.status === 404) continue;
      expect(got.status).toBe(200);
      expect(`sha256:${createHash('sha256').update(got.body).digest('hex')}`).toBe(digest);
      visible += 1;
    }
  }
  return visible;
}

interface Backend {
  name: string;
  setUp(): Promise<{
    env: Record<string, string>;
    storedBlobs(dataDir: string): Promise<Array<{ named: string; actual: string }>>;
    tearDown(): Promise<void>;
  }>;
}

const backends: Backend[] = [
  {
    name: 'the filesystem and SQLite',
    setUp() {
      return Promise.resolve({
        env: {},
        storedBlobs: (dataDir: string) => digestNamedFiles(join(dataDir, 'blobs')),
        tearDown: () => Promise.resolve(),
      });
    },
  },
  {
    name: 'PostgreSQL and s3rver',
    async setUp() {
      const database = await createTestDatabase();
      const s3 = await startS3rver();
      return {
        env: { MOAT_DATABASE_URL: database.url, ...s3.env },
        storedBlobs: () => s3.digestObjects(),
        async tearDown() {
          await s3.stop();
          await database.drop();
        },
      };
    },
  },
];

describe.each(backends)('moat serve killed with -9 during pushes, on $name', (backend) => {
  let dataDir: string;
  let backing: Awaited<ReturnType<Backend['setUp']>>;
  let restarted: MoatServer;
  let acknowledged: string[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'moat-crash-data-'));
    backing = await backend.setUp();
    const first = await startMoatServe({ dataDir, env: backing.env });
    await skopeo.login(first.host, first.credentials);
    const results = await pushAndKill(first);
    acknowledged = tags.filter((_, i) => results[i]?.code === 0);
    console.info(`${backend.name}: ${acknowledged.length} of ${tags.length} pushes acknowledged`);
    restarted = await startMoatServe({ dataDir, env: backing.env });
    await skopeo.login(restarted.host, restarted.credentials);
  });

  afterAll(async () => {
    await restarted?.stop();
    await backing?.tearDown();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('acknowledged at least one push before the kill', () => {
    expect(acknowledged.length).toBeGreaterThan(0);
  });

  it('serves every acknowledged push intact after the restart', async () => {
    for (const tag of acknowledged) {
      const out = join(work, `${backend.name.length}-out-${tag}`);
      await skopeo.mustCopy(`docker://${restarted.host}/crash/${tag}:1`, `oci:${out}:${tag}`);
      expect(await imageBlobs(out, tag)).toEqual(await imageBlobs(layout, tag));
    }
  });

  it('shows no half-written blob over HTTP', async () => {
    expect(await visibleBlobsAreWhole(restarted)).toBeGreaterThan(0);
  });

  it('keeps no blob in the store whose bytes differ from its digest', async () => {
    const stored = await backing.storedBlobs(dataDir);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.filter((b) => b.actual !== b.named)).toEqual([]);
  });

  it('accepts every push again and serves each image intact', async () => {
    for (const tag of tags) {
      await skopeo.mustCopy(`oci:${layout}:${tag}`, `docker://${restarted.host}/crash/${tag}:2`);
      const out = join(work, `${backend.name.length}-again-${tag}`);
      await skopeo.mustCopy(`docker://${restarted.host}/crash/${tag}:2`, `oci:${out}:${tag}`);
      expect(await imageBlobs(out, tag)).toEqual(await imageBlobs(layout, tag));
    }
    const stored = await backing.storedBlobs(dataDir);
    expect(stored.filter((b) => b.actual !== b.named)).toEqual([]);
  });
});
