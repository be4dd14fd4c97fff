/**
 * `moat serve` with skopeo (Debian) as the client, logged in with the bootstrap administrator:
 * OCI layouts built with umoci copied in and back out with identical digests (one multi-layer
 * image, one multi-arch index), tag listing with pagination, deletes by digest and by tag,
 * cross-repository mounts and the referrers API.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addIndexToLayout, buildOciLayout } from './registry-harness.js';
import { requireTools } from './require-tools.js';
import {
  buildUmociImage,
  imageBlobs,
  readLayoutBlob,
  makeWorkDir,
  taggedDescriptor,
  type Skopeo,
} from './serve-clients.js';
import {
  bearerToken,
  pushBlob,
  registryRequest,
  startMoatServe,
  type MoatServer,
} from './serve-harness.js';

requireTools(['skopeo', 'umoci']);

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let work: string;
let skopeo: Skopeo;
let server: MoatServer;
let layout: string;
let multiLayout: string;

beforeAll(async () => {
  ({ dir: work, skopeo } = await makeWorkDir('serve-skopeo'));
  layout = join(work, 'layout');
  multiLayout = join(work, 'multi');
  await buildUmociImage(layout, 'app', [
    { 'etc/os-release': 'ID=moat-e2e\nVERSION_ID=1\n' },
    { 'usr/bin/app': '#!/bin/sh\necho app\n', 'usr/share/doc/app/README': 'the app\n' },
    { 'srv/data/one.txt': 'one\n'.repeat(1000), 'srv/data/two.txt': 'two\n'.repeat(2000) },
  ]);
  await buildOciLayout(multiLayout, [
    {
      tag: 'amd64',
      files: { 'etc/arch': 'amd64\n' },
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      tag: 'arm64',
      files: { 'etc/arch': 'arm64\n' },
      platform: { os: 'linux', architecture: 'arm64' },
    },
  ]);
  await addIndexToLayout(multiLayout, 'multi', [
    { tag: 'amd64', platform: { os: 'linux', architecture: 'amd64' } },
    { tag: 'arm64', platform: { os: 'linux', architecture: 'arm64' } },
  ]);
  server = await startMoatServe();
  await skopeo.login(server.host, server.credentials);
  await skopeo.mustCopy(`oci:${layout}:app`, `docker://${server.host}/e2e/app:1.0`);
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('moat serve with skopeo', () => {
  it('copies a multi-layer OCI layout in and back out with identical digests and bytes', async () => {
    const out = join(work, 'out-app');
    await skopeo.mustCopy(`docker://${server.host}/e2e/app:1.0`, `oci:${out}:app`);
    const sent = await imageBlobs(layout, 'app');
    expect(sent.size).toBeGreaterThanOrEqual(5); // manifest, config, three layers
    expect(await imageBlobs(out, 'app')).toEqual(sent);
    expect((await taggedDescriptor(out, 'app')).digest).toBe(
      (await taggedDescriptor(layout, 'app')).digest,
    );
  });

  it('copies a multi-arch index with --all in and back out unchanged', async () => {
    const out = join(work, 'out-multi');
    await skopeo.mustCopy(`oci:${multiLayout}:multi`, `docker://${server.host}/e2e/multi:1`, {
      all: true,
    });
    await skopeo.mustCopy(`docker://${server.host}/e2e/multi:1`, `oci:${out}:multi`, { all: true });
    const sent = await imageBlobs(multiLayout, 'multi');
    expect(sent.size).toBe(7); // index, two manifests, two configs, two layers
    expect(await imageBlobs(out, 'multi')).toEqual(sent);
  });

  it('lists tags page by page with n, last and Link headers', async () => {
    const repo = 'e2e/team/tags';
    const tags = ['a1', 'b2', 'c3', 'd4', 'e5'];
    await skopeo.mustCopy(`oci:${layout}:app`, `docker://${server.host}/${repo}:${tags[0]}`);
    const token = await bearerToken(server, [`repository:${repo}:pull,push`]);
    const manifest = await registryRequest(server, `/v2/${repo}/manifests/${tags[0]}`, {
      token,
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(manifest.status).toBe(200);
    for (const tag of tags.slice(1)) {
      const put = await registryRequest(server, `/v2/${repo}/manifests/${tag}`, {
        method: 'PUT',
        token,
        headers: { 'content-type': manifest.headers.get('content-type') ?? '' },
        body: manifest.body,
      });
      expect(put.status).toBe(201);
    }
    expect(await skopeo.listTags(`${server.host}/${repo}`)).toEqual(tags);

    const seen: string[][] = [];
    let next: string | undefined = `/v2/${repo}/tags/list?n=2`;
    while (next !== undefined && seen.length < 10) {
      const page = await registryRequest(server, next, { token });
      expect(page.status).toBe(200);
      const body = page.json<{ name: string; tags: string[] }>();
      expect(body.name).toBe(repo);
      seen.push(body.tags);
      next = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    }
    expect(seen).toEqual([['a1', 'b2'], ['c3', 'd4'], ['e5']]);
    const after = await registryRequest(server, `/v2/${repo}/tags/list?n=10&last=b2`, { token });
    expect(after.json<{ tags: string[] }>().tags).toEqual(['c3', 'd4', 'e5']);
  });

  it('deletes a manifest by digest with skopeo delete', async () => {
    const repo = 'e2e/delete-digest';
    await skopeo.mustCopy(`oci:${layout}:app`, `docker://${server.host}/${repo}:1`);
    const digest = (await taggedDescriptor(layout, 'app')).digest;
    const deleted = await skopeo.delete(`${server.host}/${repo}@${digest}`);
    expect(deleted).toMatchObject({ code: 0 });
    const token = await bearerToken(server, [`repository:${repo}:pull`]);
    expect(
      (await registryRequest(server, `/v2/${repo}/manifests/${digest}`, { token })).status,
    ).toBe(404);
    expect((await registryRequest(server, `/v2/${repo}/manifests/1`, { token })).status).toBe(404);
  });

  it('deletes a tag with an HTTP DELETE, keeping the manifest by digest', async () => {
    const repo = 'e2e/delete-tag';
    await skopeo.mustCopy(`oci:${layout}:app`, `docker://${server.host}/${repo}:gone`);
    const digest = (await taggedDescriptor(layout, 'app')).digest;
    const token = await bearerToken(server, [`repository:${repo}:pull,push,delete`]);
    const deleted = await registryRequest(server, `/v2/${repo}/manifests/gone`, {
      method: 'DELETE',
      token,
    });
    expect(deleted.status).toBe(202);
    expect((await registryRequest(server, `/v2/${repo}/manifests/gone`, { token })).status).toBe(
      404,
    );
    const byDigest = await registryRequest(server, `/v2/${repo}/manifests/${digest}`, { token });
    expect(byDigest.status).toBe(200);
    expect(byDigest.headers.get('docker-content-digest')).toBe(digest);
  });

  it('mounts a blob from another repository with 201, and answers 202 where it cannot', async () => {
    const manifest = JSON.parse(
      (await readLayoutBlob(layout, (await taggedDescriptor(layout, 'app')).digest)).toString(),
    ) as { layers: Array<{ digest: string }> };
    const layer = manifest.layers[0]!.digest;
    const token = await bearerToken(server, [
      'repository:e2e/mounted:pull,push',
      'repository:e2e/app:pull',
    ]);
    const mounted = await registryRequest(
      server,
      `/v2/e2e/mounted/blobs/uploads/?mount=${layer}&from=e2e/app`,
      { method: 'POST', token },
    );
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('location')).toMatch(new RegExp(`/v2/e2e/mounted/blobs/${layer}$`));
    const head = await registryRequest(server, `/v2/e2e/mounted/blobs/${layer}`, {
      method: 'HEAD',
      token,
    });
    expect(head.status).toBe(200);

    const missing = `sha256:${'0'.repeat(64)}`;
    const fallback = await registryRequest(
      server,
      `/v2/e2e/mounted/blobs/uploads/?mount=${missing}&from=e2e/app`,
      { method: 'POST', token },
    );
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('location')).toMatch(/\/v2\/e2e\/mounted\/blobs\/uploads\//);

    // skopeo pushing the same image to a second repository ends with the same image there.
    await skopeo.mustCopy(
      `docker://${server.host}/e2e/app:1.0`,
      `docker://${server.host}/e2e/second:1`,
    );
    const out = join(work, 'out-second');
    await skopeo.mustCopy(`docker://${server.host}/e2e/second:1`, `oci:${out}:app`);
    expect(await imageBlobs(out, 'app')).toEqual(await imageBlobs(layout, 'app'));
  });

  it('finds artifacts pushed with a subject through the referrers API, filtered by artifactType', async () => {
    const repo = 'e2e/app';
    const subject = await taggedDescriptor(layout, 'app');
    const token = await bearerToken(server, [`repository:${repo}:pull,push`]);
    const empty = Buffer.from('{}');
    await pushBlob(server, repo, empty, sha256(empty), token);
    const pushArtifact = async (artifactType: string, content: string) => {
      const payload = Buffer.from(content);
      await pushBlob(server, repo, payload, sha256(payload), token);
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          artifactType,
          config: {
            mediaType: 'application/vnd.oci.empty.v1+json',
            digest: sha256(empty),
            size: 2,
          },
          layers: [
            { mediaType: 'application/json', digest: sha256(payload), size: payload.length },
          ],
          subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
          annotations: { 'org.example.kind': artifactType },
        }),
      );
      const put = await registryRequest(server, `/v2/${repo}/manifests/${sha256(bytes)}`, {
        method: 'PUT',
        token,
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: bytes,
      });
      expect(put.status).toBe(201);
      expect(put.headers.get('oci-subject')).toBe(subject.digest);
      return { digest: sha256(bytes), size: bytes.length };
    };
    const sbom = await pushArtifact('application/vnd.moat.test.sbom', '{"sbom":true}');
    const sig = await pushArtifact('application/vnd.moat.test.signature', '{"sig":true}');

    interface Referrers {
      mediaType: string;
      manifests: Array<{
        digest: string;
        size: number;
        artifactType: string;
        annotations?: Record<string, string>;
      }>;
    }
    const all = await registryRequest(server, `/v2/${repo}/referrers/${subject.digest}`, { token });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(
      /^application\/vnd\.oci\.image\.index\.v1\+json/,
    );
    const listed = all.json<Referrers>();
    expect(listed.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(listed.manifests.map((m) => [m.digest, m.size, m.artifactType]).sort()).toEqual(
      [
        [sbom.digest, sbom.size, 'application/vnd.moat.test.sbom'],
        [sig.digest, sig.size, 'application/vnd.moat.test.signature'],
      ].sort(),
    );
    const filtered = await registryRequest(
      server,
      `/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent('application/vnd.moat.test.sbom')}`,
      { token },
    );
    expect(filtered.status).toBe(200);
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(filtered.json<Referrers>().manifests.map((m) => m.digest)).toEqual([sbom.digest]);
  });
});
