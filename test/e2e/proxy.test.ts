/**
 * Proxy projects end to end (issue 13, "Done when": a proxy project pulls through from Debian's
 * docker-registry on 127.0.0.1): an image copied into docker-registry (htpasswd Basic auth) with
 * skopeo is pulled through `moat serve` with skopeo, byte for byte; it is stored, scanned (the
 * scans API counts its findings) and gated by the project's policy (a pull-only robot is refused
 * the vulnerable image naming the rule, and served a clean one pulled through on the spot); it is
 * served from the store after docker-registry stopped, while a pull of something never cached
 * fails naming UPSTREAM_UNAVAILABLE; pushes to the proxy project are refused.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeScanDb, writeScanImage } from '../../src/__fixtures__/scan-image.js';
import { startRegistry, type TestRegistry } from './registry-harness.js';
import { requireTools } from './require-tools.js';
import { buildUmociImage, makeWorkDir, Skopeo, taggedDescriptor } from './serve-clients.js';
import { createToken, startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo', 'docker-registry', 'htpasswd']);

const upstreamCredentials = { username: 'mirror', password: 'upstream-Pass-9183' };
let dir: string;
let skopeo: Skopeo;
let upstream: TestRegistry;
let upstreamRunning = true;
let server: MoatServer;
let api: string;
let robot: Skopeo;

async function apiCall(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  ({ dir, skopeo } = await makeWorkDir('proxy'));
  upstream = await startRegistry({ kind: 'htpasswd', credentials: upstreamCredentials });
  const cacheDir = join(dir, 'cache');
  await writeScanDb(cacheDir);
  server = await startMoatServe({ env: { MOAT_CACHE_DIR: cacheDir, MOAT_OFFLINE: 'true' } });
  api = await createToken((args) => server.admin(args), 'admin', 'api:read,api:write');
  await skopeo.login(upstream.host, upstreamCredentials);
  await skopeo.login(server.host, server.credentials);
  await writeScanImage(join(dir, 'layout'));
  await buildUmociImage(join(dir, 'clean'), 'clean', [{ 'etc/app.conf': 'clean\n' }]);
  await skopeo.mustCopy(
    `oci:${join(dir, 'clean')}:clean`,
    `docker://${upstream.host}/library/clean:1`,
  );
  await skopeo.mustCopy(
    `oci:${join(dir, 'layout')}:app`,
    `docker://${upstream.host}/library/app:1`,
  );
  await skopeo.mustCopy(
    `oci:${join(dir, 'layout')}:app`,
    `docker://${upstream.host}/library/never-pulled:1`,
  );
});

afterAll(async () => {
  await server?.stop();
  if (upstreamRunning) await upstream?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a proxy project of Debian’s docker-registry', () => {
  it('is created with sealed credentials; the API shows the URL only', async () => {
    const created = await apiCall('POST', '/projects', {
      name: 'proxy',
      proxy: { url: `http://${upstream.host}`, credentials: upstreamCredentials },
    });
    expect(created.status).toBe(201);
    expect(JSON.parse(created.text)).toMatchObject({ proxy: { url: `http://${upstream.host}` } });
    expect(created.text).not.toContain(upstreamCredentials.password);
    const read = await apiCall('GET', '/projects/proxy');
    expect(read.text).not.toContain(upstreamCredentials.password);
    const made = await apiCall('POST', '/projects/proxy/robots', {
      name: 'deploy',
      permissions: ['pull'],
    });
    expect(made.status).toBe(201);
    const { name, secret } = JSON.parse(made.text) as { name: string; secret: string };
    robot = new Skopeo(join(dir, 'auth-robot.json'));
    await robot.login(server.host, { username: name, password: secret });
  });

  it('pulls through with skopeo, byte for byte, and stores the image', async () => {
    const out = join(dir, 'pulled');
    await skopeo.mustCopy(`docker://${server.host}/proxy/library/app:1`, `oci:${out}:app`);
    const original = await taggedDescriptor(join(dir, 'layout'), 'app');
    const pulled = await taggedDescriptor(out, 'app');
    expect(pulled.digest).toBe(original.digest);
    expect(await skopeo.listTags(`${server.host}/proxy/library/app`)).toEqual(['1']);
    expect(server.logs()).not.toContain(upstreamCredentials.password);
  });

  it('scans what was pulled through', async () => {
    const digest = (await taggedDescriptor(join(dir, 'layout'), 'app')).digest;
    const path = `/projects/proxy/repositories/${encodeURIComponent('library/app')}/artifacts/${digest}/scan`;
    let scan: { state?: string; summary?: Record<string, number> } = {};
    for (let i = 0; i < 600 && scan.state !== 'done'; i++) {
      const answer = await apiCall('GET', path);
      if (answer.status === 200) scan = JSON.parse(answer.text) as typeof scan;
      if (scan.state !== 'done') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(scan).toMatchObject({
      state: 'done',
      summary: { CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1 },
    });
  });

  it('gates pulls with the project policy: the vulnerable image refused, a clean one served', async () => {
    const policy = [
      'apiVersion: moat.dev/v1',
      'kind: Policy',
      'metadata: {name: mirror}',
      'spec:',
      '  onPending: wait',
      '  rules:',
      '    - name: no-fixable-critical',
      '      maxSeverity: {severity: HIGH, ignoreUnfixed: true}',
      '',
    ].join('\n');
    const set = await fetch(`${server.url}/api/v1/projects/proxy/policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${api}`, 'content-type': 'application/yaml' },
      body: policy,
    });
    expect(set.status).toBe(200);
    await set.arrayBuffer();
    const refused = await robot.copy(
      `docker://${server.host}/proxy/library/app:1`,
      `oci:${join(dir, 'robot-app')}:app`,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('no-fixable-critical');
    // Never pulled before: fetched from upstream, scanned while the pull waits, then served.
    const served = await robot.copy(
      `docker://${server.host}/proxy/library/clean:1`,
      `oci:${join(dir, 'robot-clean')}:clean`,
    );
    expect(served.stderr).toBe('');
    expect(served.code).toBe(0);
    expect((await taggedDescriptor(join(dir, 'robot-clean'), 'clean')).digest).toBe(
      (await taggedDescriptor(join(dir, 'clean'), 'clean')).digest,
    );
  });

  it('refuses pushes to the proxy project', async () => {
    const push = await skopeo.copy(
      `oci:${join(dir, 'layout')}:app`,
      `docker://${server.host}/proxy/library/app:pushed`,
    );
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/DENIED|denied|proxy project/);
  });

  it('serves the stored image once upstream is gone; what was never cached fails clearly', async () => {
    await upstream.stop();
    upstreamRunning = false;
    const out = join(dir, 'offline');
    await skopeo.mustCopy(`docker://${server.host}/proxy/library/app:1`, `oci:${out}:app`);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests[0]?.digest).toBe(
      (await taggedDescriptor(join(dir, 'layout'), 'app')).digest,
    );
    const never = await skopeo.copy(
      `docker://${server.host}/proxy/library/never-pulled:1`,
      `oci:${join(dir, 'never')}:app`,
    );
    expect(never.code).not.toBe(0);
    expect(never.stderr).toContain('UPSTREAM_UNAVAILABLE');
    expect(never.stderr).toContain('manifest unknown');
    expect(server.logs()).not.toContain(upstreamCredentials.password);
  });
});
