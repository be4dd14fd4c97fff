/**
 * Label-based access through the `/v2` manifest routes, on both engines: an image whose config
 * says `moat.classification: restricted` goes to members granted `restricted` and to nobody else
 * (403 `DENIED` naming it); indexes are served and their children checked one by one.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  engines,
  openAccessTestDatabase,
  type AccessTestDatabase,
} from '../../auth/projects/__fixtures__/access-database.js';
import {
  openAccessStack,
  operator,
  testMasterKey,
  testPassword,
} from '../../auth/projects/__fixtures__/access-stack.js';
import { openBlobStore } from '../../store/blobs/open.js';
import type { BlobStore } from '../../store/types.js';
import { registerV2 } from './index.js';

const client = { ip: '127.0.0.1' };
const masterKey = testMasterKey();
const manifestType = 'application/vnd.oci.image.manifest.v1+json';
const indexType = 'application/vnd.oci.image.index.v1+json';

const sha256 = (data: string | Buffer) =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;
const basic = (user: string) =>
  `Basic ${Buffer.from(`${user}:${testPassword}`).toString('base64')}`;

describe.each(engines)('label-based access on %s', (engine) => {
  let db: AccessTestDatabase;
  let dir: string;
  let blobs: BlobStore;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await openAccessTestDatabase(engine);
    dir = await mkdtemp(join(tmpdir(), 'moat-labels-'));
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await app?.close();
    await blobs?.close();
    await db.reset();
    blobs = await openBlobStore({ kind: 'fs', root: join(dir, `blobs-${Date.now()}`) });
    const { identity, projects, auth, audit } = await openAccessStack(db, masterKey);
    app = Fastify({ logger: false });
    registerV2(app, {
      meta: db.meta,
      blobs,
      access: auth.access,
      audit,
      limits: {
        maxManifestBytes: 4 * 1024 * 1024,
        maxBlobBytes: 64 * 1024 * 1024,
        uploadTtlMs: 3_600_000,
        maxPageSize: 1000,
      },
    });
    for (const username of ['dev', 'cleared', 'guest']) {
      await identity.createUser({ username, password: testPassword }, undefined, client);
    }
    for (const name of ['team', 'pub']) {
      await projects.createProject(operator, { name, public: name === 'pub' }, client);
      const set = (user: string, role: 'developer' | 'guest', classifications: string[] = []) =>
        projects.setMember(
          operator,
          name,
          { kind: 'user', name: user, role, classifications },
          client,
        );
      await set('dev', 'developer', ['restricted']);
      await set('cleared', 'guest', ['restricted']);
      await set('guest', 'guest');
    }
  });

  async function pushBlob(repository: string, content: string | Buffer): Promise<string> {
    const digest = sha256(content);
    const answer = await app.inject({
      method: 'POST',
      url: `/v2/${repository}/blobs/uploads/?digest=${digest}`,
      headers: { authorization: basic('dev'), 'content-type': 'application/octet-stream' },
      payload: content,
    });
    expect(answer.statusCode, answer.body).toBe(201);
    return digest;
  }

  async function pushManifest(repository: string, reference: string, body: object, type: string) {
    const content = JSON.stringify(body);
    const answer = await app.inject({
      method: 'PUT',
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { authorization: basic('dev'), 'content-type': type },
      payload: content,
    });
    expect(answer.statusCode, answer.body).toBe(201);
    return { digest: sha256(content), size: Buffer.byteLength(content) };
  }

  /** Pushes an image whose config has `labels` (or the raw `config` bytes). */
  async function pushImage(repository: string, tag: string, config: object | string) {
    const configBytes = typeof config === 'string' ? config : JSON.stringify(config);
    const configDigest = await pushBlob(repository, configBytes);
    const layer = Buffer.from(`layer of ${repository}:${tag}`);
    const layerDigest = await pushBlob(repository, layer);
    return pushManifest(
      repository,
      tag,
      {
        schemaVersion: 2,
        mediaType: manifestType,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: configDigest,
          size: Buffer.byteLength(configBytes),
        },
        layers: [
          {
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
            digest: layerDigest,
            size: layer.length,
          },
        ],
      },
      manifestType,
    );
  }

  const imageConfig = (labels?: Record<string, string>) => ({
    architecture: 'amd64',
    os: 'linux',
    config: labels ? { Labels: labels } : {},
    rootfs: { type: 'layers', diff_ids: [] },
  });

  const get = (path: string, user?: string, method: 'GET' | 'HEAD' = 'GET') =>
    app.inject({
      method,
      url: path,
      headers: {
        accept: `${manifestType}, ${indexType}`,
        ...(user ? { authorization: basic(user) } : {}),
      },
    });

  it('serves a classified image to members granted the classification', async () => {
    await pushImage('team/app', 'v1', imageConfig({ 'moat.classification': 'restricted' }));
    for (const user of ['dev', 'cleared']) {
      expect((await get('/v2/team/app/manifests/v1', user)).statusCode).toBe(200);
      expect((await get('/v2/team/app/manifests/v1', user, 'HEAD')).statusCode).toBe(200);
    }
  });

  it('refuses it to other members with DENIED naming the classification, on GET and HEAD', async () => {
    await pushImage('team/app', 'v1', imageConfig({ 'moat.classification': 'restricted' }));
    const answer = await get('/v2/team/app/manifests/v1', 'guest');
    expect(answer.statusCode).toBe(403);
    expect(answer.json()).toEqual({
      errors: [
        {
          code: 'DENIED',
          message:
            'the image is classified "restricted", which is not granted to you in this project',
          detail: { classification: 'restricted' },
        },
      ],
    });
    expect((await get('/v2/team/app/manifests/v1', 'guest', 'HEAD')).statusCode).toBe(403);
  });

  it('serves images without the label, or with other labels, to every member', async () => {
    await pushImage('team/plain', 'v1', imageConfig());
    await pushImage('team/other', 'v1', imageConfig({ team: 'blue' }));
    expect((await get('/v2/team/plain/manifests/v1', 'guest')).statusCode).toBe(200);
    expect((await get('/v2/team/other/manifests/v1', 'guest')).statusCode).toBe(200);
  });

  it('refuses a classified image in a public project to anonymous clients', async () => {
    await pushImage('pub/app', 'v1', imageConfig({ 'moat.classification': 'restricted' }));
    await pushImage('pub/plain', 'v1', imageConfig());
    expect((await get('/v2/pub/plain/manifests/v1')).statusCode).toBe(200);
    const answer = await get('/v2/pub/app/manifests/v1');
    expect(answer.statusCode).toBe(403);
    expect(answer.json()).toMatchObject({ errors: [{ code: 'DENIED' }] });
  });

  it('serves an index, and checks each child manifest when it is pulled', async () => {
    const secret = await pushImage(
      'team/multi',
      'amd64',
      imageConfig({ 'moat.classification': 'restricted' }),
    );
    const plain = await pushImage('team/multi', 'arm64', imageConfig());
    await pushManifest(
      'team/multi',
      'v1',
      {
        schemaVersion: 2,
        mediaType: indexType,
        manifests: [
          { mediaType: manifestType, ...secret, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: manifestType, ...plain, platform: { architecture: 'arm64', os: 'linux' } },
        ],
      },
      indexType,
    );
    expect((await get('/v2/team/multi/manifests/v1', 'guest')).statusCode).toBe(200);
    expect((await get(`/v2/team/multi/manifests/${secret.digest}`, 'guest')).statusCode).toBe(403);
    expect((await get(`/v2/team/multi/manifests/${plain.digest}`, 'guest')).statusCode).toBe(200);
    expect((await get(`/v2/team/multi/manifests/${secret.digest}`, 'cleared')).statusCode).toBe(
      200,
    );
  });

  it('gives an image whose config cannot be read to nobody but system administrators', async () => {
    await pushImage('team/broken', 'v1', 'not json at all');
    const answer = await get('/v2/team/broken/manifests/v1', 'cleared');
    expect(answer.statusCode).toBe(403);
    expect(answer.json()).toMatchObject({
      errors: [{ code: 'DENIED', detail: { classification: '(unreadable image config)' } }],
    });
  });

  it('counts a config over 4 MiB, or a label that is not a string, as unreadable', async () => {
    const padding = 'x'.repeat(4 * 1024 * 1024);
    await pushImage('team/huge', 'v1', { ...imageConfig(), padding });
    await pushImage('team/odd', 'v1', {
      ...imageConfig(),
      config: { Labels: { 'moat.classification': ['restricted'] } },
    });
    for (const repository of ['team/huge', 'team/odd']) {
      const answer = await get(`/v2/${repository}/manifests/v1`, 'cleared');
      expect(answer.statusCode, repository).toBe(403);
      expect(answer.json()).toMatchObject({
        errors: [{ detail: { classification: '(unreadable image config)' } }],
      });
    }
  });

  it('reads the label leniently and needs every classification it names', async () => {
    await pushImage(
      'team/two',
      'v1',
      imageConfig({ 'moat.classification': ' Restricted , Export ' }),
    );
    const answer = await get('/v2/team/two/manifests/v1', 'cleared');
    expect(answer.statusCode).toBe(403);
    expect(answer.json()).toMatchObject({ errors: [{ detail: { classification: 'export' } }] });
  });
});
