/**
 * Online garbage collection with `moat admin gc` against a running `moat serve` (filesystem +
 * SQLite): after images are deleted, `--dry-run` changes nothing, and real runs made while another
 * push is in flight remove exactly the blobs no manifest references — never one of the push in
 * flight, which succeeds and pulls back intact.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeOciLayout } from '../fixtures/image-builder.js';
import { moat, type MoatRun } from './cli.js';
import { requireTools } from './require-tools.js';
import {
  digestNamedFiles,
  imageBlobs,
  makeWorkDir,
  randomLayer,
  taggedDescriptor,
  type Skopeo,
} from './serve-clients.js';
import { bearerToken, registryRequest, startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo']);

const megabyte = 1024 * 1024;
/** Blobs younger than this are never collected; the test waits it out before collecting. */
const graceSeconds = 8;

let work: string;
let skopeo: Skopeo;
let layout: string;
let dataDir: string;
let configFile: string;
let server: MoatServer;

const hexOf = (digest: string) => digest.slice('sha256:'.length);
const storedBlobs = async () =>
  new Set((await digestNamedFiles(join(dataDir, 'blobs'))).map((b) => `sha256:${b.named}`));
const gc = (dryRun: boolean): Promise<MoatRun> =>
  moat([
    'admin',
    'gc',
    ...(dryRun ? ['--dry-run'] : []),
    '--data',
    dataDir,
    '--config',
    configFile,
  ]);

/** Digests of the config and layers of `tag` (the manifest itself lives in the metadata store). */
async function blobsOf(tag: string): Promise<string[]> {
  const manifest = (await taggedDescriptor(layout, tag)).digest;
  return [...(await imageBlobs(layout, tag)).keys()].filter((d) => d !== manifest);
}

beforeAll(async () => {
  ({ dir: work, skopeo } = await makeWorkDir('serve-gc'));
  layout = join(work, 'layout');
  const base = randomLayer('base', 2, megabyte);
  await writeOciLayout(layout, [
    { tag: 'kept', layers: [base, randomLayer('kept', 1, megabyte)] },
    { tag: 'dropped', layers: [base, randomLayer('dropped', 1, megabyte)] },
    { tag: 'alone', layers: [randomLayer('alone', 1, megabyte)] },
    // The push that runs during collection: big enough to be in flight for a while.
    {
      tag: 'inflight',
      layers: [
        base,
        randomLayer('inflight-a', 16, megabyte),
        randomLayer('inflight-b', 16, megabyte),
      ],
    },
  ]);
  dataDir = await mkdtemp(join(tmpdir(), 'moat-gc-data-'));
  configFile = join(work, 'moat.yaml');
  await writeFile(configFile, `gc:\n  schedule: "off"\n  gracePeriod: ${graceSeconds}s\n`);
  server = await startMoatServe({ dataDir, args: ['--config', configFile] });
  await skopeo.login(server.host, server.credentials);
  for (const tag of ['kept', 'dropped', 'alone'])
    await skopeo.mustCopy(`oci:${layout}:${tag}`, `docker://${server.host}/gc/${tag}:1`);
  for (const tag of ['dropped', 'alone']) {
    const digest = (await taggedDescriptor(layout, tag)).digest;
    expect(await skopeo.delete(`${server.host}/gc/${tag}@${digest}`)).toMatchObject({ code: 0 });
  }
  await sleep((graceSeconds + 2) * 1000);
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe('moat admin gc while moat serve runs', () => {
  let unreferenced: string[];

  beforeAll(async () => {
    const kept = new Set(await blobsOf('kept'));
    unreferenced = [...(await blobsOf('dropped')), ...(await blobsOf('alone'))].filter(
      (d) => !kept.has(d),
    );
  });

  it('changes nothing with --dry-run, and says what it would free', async () => {
    const before = await storedBlobs();
    for (const digest of unreferenced) expect(before).toContain(digest);
    const run = await gc(true);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(new RegExp(`^would delete ${unreferenced.length} blobs \\(`));
    for (const digest of unreferenced) expect(run.stdout).toContain(`blob ${digest} `);
    expect(await storedBlobs()).toEqual(before);
  });

  it('removes exactly the unreferenced blobs while a push runs, and the push succeeds', async () => {
    const before = await storedBlobs();
    const push = skopeo.copy(`oci:${layout}:inflight`, `docker://${server.host}/gc/inflight:1`);
    let pushDone = false;
    void push.finally(() => {
      pushDone = true;
    });
    const runs: MoatRun[] = [];
    do runs.push(await gc(false));
    while (!pushDone);
    expect(await push).toMatchObject({ code: 0 });
    console.info(`${runs.length} gc runs while the push was in flight`);
    for (const run of runs) expect(run).toMatchObject({ code: 0 });
    // Each run prints `deleted N blobs (X MiB), M manifests`; together they freed the four.
    const deleted = runs.map((r) => Number(/^deleted (\d+) blobs \(/.exec(r.stdout)?.[1]));
    expect(deleted.reduce((sum, n) => sum + n, 0)).toBe(unreferenced.length);

    const after = await storedBlobs();
    const removed = [...before].filter((d) => !after.has(d)).sort();
    expect(removed).toEqual([...unreferenced].sort());
    for (const digest of [...(await blobsOf('kept')), ...(await blobsOf('inflight'))])
      expect(after).toContain(digest);
    for (const digest of unreferenced) expect(after).not.toContain(digest);

    const token = await bearerToken(server, ['repository:gc/dropped:pull']);
    const gone = await registryRequest(server, `/v2/gc/dropped/blobs/${unreferenced[0]}`, {
      method: 'HEAD',
      token,
    });
    expect(gone.status).toBe(404);
  });

  it('serves the kept image and the image pushed during collection intact', async () => {
    for (const tag of ['kept', 'inflight']) {
      const out = join(work, `out-${tag}`);
      await skopeo.mustCopy(`docker://${server.host}/gc/${tag}:1`, `oci:${out}:${tag}`);
      expect(await imageBlobs(out, tag)).toEqual(await imageBlobs(layout, tag));
    }
  });

  it('leaves every stored blob whole', async () => {
    const files = await digestNamedFiles(join(dataDir, 'blobs'));
    expect(files.filter((f) => f.actual !== f.named).map((f) => f.path)).toEqual([]);
    expect(files.map((f) => f.named)).toContain(hexOf((await blobsOf('kept'))[0] ?? ''));
  });
});
