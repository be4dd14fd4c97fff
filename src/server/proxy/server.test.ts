/**
 * Proxy projects through `moat serve` in-process (`startServer`): created with
 * `POST /api/v1/projects`, pulled through over `/v2`, pushes refused, credentials sealed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';
import { openStores } from '../../store/open.js';
import { startServer, type RunningServer } from '../app.js';
import { loadServeConfig } from '../config.js';
import { pushImage, startHostileFront, type HostileFront } from './__fixtures__/upstream.js';

const upstreamSecretPassword = () => upstream.password;
let dir: string;
let dataDir: string;
let upstream: TestRegistry;
let front: HostileFront;
let server: RunningServer;
let api: string;
let basic: string;

async function call(method: string, path: string, body?: unknown, auth = api) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: auth,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    json: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'moat-proxy-serve-'));
  dataDir = join(dir, 'data');
  upstream = await startTestRegistry();
  front = await startHostileFront(upstream.url);
  server = await startServer(
    loadServeConfig({
      flags: { listen: '127.0.0.1:0', data: dataDir },
      env: { MOAT_ADMIN_PASSWORD: 'proxy-test-password-8812' },
      cwd: dir,
    }),
    { logStream: { write: () => true } },
  );
  const admin = await server.access.identity.getUser('admin');
  if (!admin) throw new Error('no administrator');
  const principal = {
    kind: 'user' as const,
    name: admin.username,
    id: admin.id,
    systemAdmin: true,
  };
  const apiToken = await server.access.credentials.createToken(
    principal,
    { name: 'api', scopes: ['api:read', 'api:write'] },
    { ip: '127.0.0.1' },
  );
  api = `Bearer ${apiToken.token}`;
  const registryToken = await server.access.credentials.createToken(
    principal,
    { name: 'registry', scopes: ['registry:pull', 'registry:push', 'registry:delete'] },
    { ip: '127.0.0.1' },
  );
  basic = `Basic ${Buffer.from(`admin:${registryToken.token}`).toString('base64')}`;
});

afterAll(async () => {
  await server.close();
  await front.close();
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('proxy projects in moat serve', () => {
  it('creates a proxy project: URL shown, credentials never returned and sealed at rest', async () => {
    const created = await call('POST', '/api/v1/projects', {
      name: 'hub',
      proxy: {
        url: front.url,
        credentials: { username: 'admin', password: upstreamSecretPassword() },
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'hub', public: false, proxy: { url: front.url } });
    expect(created.text).not.toContain(upstream.password);
    const read = await call('GET', '/api/v1/projects/hub');
    expect(read.json).toMatchObject({ proxy: { url: front.url } });
    expect(read.text).not.toContain('credentials');
    const list = await call('GET', '/api/v1/projects');
    expect(list.text).toContain(front.url);
    expect(list.text).not.toContain(upstream.password);
    const plain = await call('POST', '/api/v1/projects', { name: 'plain' });
    expect(plain.json).not.toHaveProperty('proxy');
    // At rest: the proxy row names a secret; the secret is ciphertext only.
    const stores = await openStores({
      metadata: { kind: 'sqlite', path: join(dataDir, 'moat.db') },
      blobs: { kind: 'fs', root: join(dataDir, 'blobs') },
    });
    try {
      const rows = await stores.database.db.selectFrom('proxy_projects').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(upstream.password);
      const secret = await stores.database.db
        .selectFrom('secrets')
        .selectAll()
        .where('id', '=', rows[0]?.credentials_secret ?? '')
        .executeTakeFirstOrThrow();
      expect(secret.purpose).toBe('proxy.upstream');
      expect(secret.ciphertext).not.toContain(upstream.password);
      expect(Buffer.from(secret.ciphertext, 'base64').toString('latin1')).not.toContain('admin');
    } finally {
      await stores.close();
    }
  });

  it('documents proxy in the OpenAPI document of POST /projects', async () => {
    const document = (await call('GET', '/api/v1/openapi.json')).json as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses?: unknown }>>;
    };
    const create = JSON.stringify(
      document.paths['/api/v1/projects']?.['post'] ?? document.paths['/projects']?.['post'],
    );
    expect(create).toContain('"proxy"');
    expect(create).toContain('"credentials"');
    expect(create).toContain('"password"');
  });

  it.each([
    ['ftp://127.0.0.1:21', 'must be http or https'],
    ['http://user:pw@127.0.0.1:5000', 'must not carry credentials'],
    ['http://127.0.0.1:5000/v2/library', 'without a path'],
    ['http://127.0.0.1:5000/?x=1', 'query'],
    ['not a url', 'is not a URL'],
    [`http://${'a'.repeat(2100)}.example`, 'Too big'],
  ])('refuses the upstream URL %s, creating nothing', async (url, why) => {
    const answer = await call('POST', '/api/v1/projects', { name: 'bad', proxy: { url } });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain(why);
    expect(answer.text).not.toContain(':pw@');
    expect((await call('GET', '/api/v1/projects/bad')).status).toBe(404);
  });

  it('refuses unknown fields and a password over its bound', async () => {
    const unknownField = await call('POST', '/api/v1/projects', {
      name: 'bad2',
      proxy: { url: front.url, insecure: true },
    });
    expect(unknownField.status).toBe(400);
    const long = 'p'.repeat(5000);
    const tooLong = await call('POST', '/api/v1/projects', {
      name: 'bad3',
      proxy: { url: front.url, credentials: { username: 'u', password: long } },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).not.toContain(long);
  });

  it('pulls through /v2 (GET and HEAD), serves blobs, and refuses pushes with DENIED', async () => {
    const image = await pushImage(upstream, 'library/app', '1');
    const head = await fetch(`${server.url}/v2/hub/library/app/manifests/1`, {
      method: 'HEAD',
      headers: { authorization: basic, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(image.digest);
    const get = await fetch(`${server.url}/v2/hub/library/app/manifests/${image.digest}`, {
      headers: { authorization: basic, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(Buffer.from(await get.arrayBuffer()).equals(image.manifest)).toBe(true);
    for (const blob of image.blobs) {
      const answer = await fetch(`${server.url}/v2/hub/library/app/blobs/${blob}`, {
        headers: { authorization: basic },
      });
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
    }
    const push = await fetch(`${server.url}/v2/hub/library/app/manifests/2`, {
      method: 'PUT',
      headers: {
        authorization: basic,
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      },
      body: image.manifest,
    });
    expect(push.status).toBe(403);
    expect(await push.text()).toContain('"DENIED"');
    const upload = await fetch(`${server.url}/v2/hub/library/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: basic },
    });
    expect(upload.status).toBe(403);
    await upload.arrayBuffer();
  });

  it('fetches a blob a client asks for before its manifest', async () => {
    const image = await pushImage(upstream, 'library/blobfirst', '1');
    const blob = image.blobs[1] ?? '';
    const answer = await fetch(`${server.url}/v2/hub/library/blobfirst/blobs/${blob}`, {
      headers: { authorization: basic },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('docker-content-digest')).toBe(blob);
    await answer.arrayBuffer();
  });

  it('answers 404 naming UPSTREAM_UNAVAILABLE, 403 DENIED naming UPSTREAM_INVALID, 404 for what upstream lacks', async () => {
    await pushImage(upstream, 'library/flaky', '1');
    const pull = () =>
      fetch(`${server.url}/v2/hub/library/flaky/manifests/1`, {
        headers: { authorization: basic, accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
    try {
      front.mode = 'down';
      const down = await pull();
      expect(down.status).toBe(404);
      const downText = await down.text();
      expect(downText).toContain('UPSTREAM_UNAVAILABLE');
      expect(downText).not.toContain(upstream.password);
      front.mode = 'lie-blob';
      const lying = await pull();
      expect(lying.status).toBe(403);
      const lyingText = await lying.text();
      expect(lyingText).toContain('"DENIED"');
      expect(lyingText).toContain('UPSTREAM_INVALID');
    } finally {
      front.mode = 'pass';
    }
    const missing = await fetch(`${server.url}/v2/hub/library/flaky/manifests/nope`, {
      headers: { authorization: basic },
    });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('MANIFEST_UNKNOWN');
    expect((await pull()).status).toBe(200);
  });

  it('deleting an empty proxy project removes its settings and sealed credentials', async () => {
    await call('POST', '/api/v1/projects', {
      name: 'gone',
      proxy: { url: front.url, credentials: { username: 'u', password: 'pw-to-remove-5521' } },
    });
    expect((await call('DELETE', '/api/v1/projects/gone')).status).toBe(204);
    const again = await call('POST', '/api/v1/projects', { name: 'gone' });
    expect(again.status).toBe(201);
    expect(again.json).not.toHaveProperty('proxy');
  });
});
