import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeScanDb, writeScanImage } from '../../../__fixtures__/scan-image.js';
import type { Principal } from '../../../auth/model.js';
import { pushLayout } from '../../../jobs/__fixtures__/push-layout.js';
import { RegistryClient } from '../../../registry-client/client.js';
import { verifyImageAttestations } from '../../../sign/image-verify.js';
import { readPublicKey } from '../../../sign/keys/read-public.js';
import { startServer, type RunningServer } from '../../app.js';
import { loadServeConfig } from '../../config.js';

const client = { ip: '127.0.0.1' };

describe('/api/v1 scans: scan on push, results per artifact, the signing key', () => {
  let dir: string;
  let server: RunningServer;
  let host: string;
  let adminToken: string;
  let outsiderToken: string;
  let digest: string;

  const api = async (path: string, token?: string, method = 'GET') => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: token !== undefined ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };
  const scanPath = (d: string, repository = 'app') =>
    `/projects/team/repositories/${repository}/artifacts/${d}/scan`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-scan-api-'));
    const cacheDir = join(dir, 'cache');
    await writeScanDb(cacheDir);
    const layout = join(dir, 'layout');
    await writeScanImage(layout);
    server = await startServer(
      loadServeConfig({
        flags: { listen: '127.0.0.1:0', data: join(dir, 'data') },
        env: {
          MOAT_ADMIN_PASSWORD: 'scan-api-password-1234',
          MOAT_CACHE_DIR: cacheDir,
          MOAT_OFFLINE: 'true',
        },
        cwd: dir,
      }),
      { logStream: { write: () => true } },
    );
    host = new URL(server.url).host;
    const { identity, credentials, projects } = server.access;
    const admin = await identity.getUser('admin');
    const adminPrincipal: Principal = {
      kind: 'user',
      name: 'admin',
      id: admin?.id ?? '',
      systemAdmin: true,
    };
    await projects.createProject(adminPrincipal, { name: 'team', public: false }, client);
    adminToken = (
      await credentials.createToken(
        adminPrincipal,
        { name: 'scan-api', scopes: ['registry:pull', 'registry:push', 'api:read', 'api:write'] },
        client,
      )
    ).token;
    const outsider = await identity.createUser(
      { username: 'outsider', password: 'outsider-password-5678' },
      adminPrincipal,
      client,
    );
    outsiderToken = (
      await credentials.createToken(
        { kind: 'user', name: 'outsider', id: outsider.id },
        { name: 'outsider', scopes: ['api:read'] },
        client,
      )
    ).token;
    const registry = new RegistryClient({
      host,
      credentials: { username: 'admin', password: adminToken },
    });
    digest = await pushLayout(registry, layout, 'team/app', '1.0');
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('scans the pushed image and answers its state and counts by severity', async () => {
    type View = { state: string; reportReferrer?: string };
    let scan = JSON.parse((await api(scanPath(digest), adminToken)).text) as View;
    expect(['pending', 'running', 'done']).toContain(scan.state);
    // The results are stored first; the signed referrers follow.
    for (let i = 0; i < 600 && scan.reportReferrer === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      scan = JSON.parse((await api(scanPath(digest), adminToken)).text) as View;
    }
    expect(scan).toMatchObject({
      digest,
      repository: 'team/app',
      state: 'done',
      summary: { CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1, UNKNOWN: 0 },
      sbomReferrer: expect.stringMatching(/^sha256:/) as unknown,
      reportReferrer: expect.stringMatching(/^sha256:/) as unknown,
    });
  });

  it('serves the SBOM and the vulnerability report in the scan formats', async () => {
    const sbom = await api(`${scanPath(digest)}/sbom`, adminToken);
    expect(sbom.status).toBe(200);
    expect(sbom.type).toContain('application/vnd.cyclonedx+json');
    const bom = JSON.parse(sbom.text) as { bomFormat: string; components: { name: string }[] };
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.components.map((c) => c.name)).toEqual(
      expect.arrayContaining(['lodash', 'minimist', 'requests']),
    );
    const report = JSON.parse(
      (await api(`${scanPath(digest)}/vulnerabilities`, adminToken)).text,
    ) as {
      vulnerabilities: { id: string }[];
    };
    expect(report.vulnerabilities.map((v) => v.id).sort()).toEqual([
      'CVE-2021-23337',
      'CVE-2021-44906',
      'CVE-2023-32681',
      'MOAT-TEST-0001',
    ]);
    const cosign = JSON.parse(
      (await api(`${scanPath(digest)}/vulnerabilities?format=cosign-vuln`, adminToken)).text,
    ) as { scanner: { db: { version: string } } };
    expect(cosign.scanner.db.version).toMatch(/#[0-9a-f]{12}$/);
    expect((await api(`${scanPath(digest)}/vulnerabilities?format=pdf`, adminToken)).status).toBe(
      400,
    );
  });

  it('serves the public key that verifies the attached attestations', async () => {
    const key = await api('/signing-key');
    expect(key.status).toBe(200);
    expect(key.text).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const policy = { keys: [readPublicKey(Buffer.from(key.text), 'signing-key')] };
    for (const type of ['vuln', 'cyclonedx']) {
      const result = await verifyImageAttestations(`${host}/team/app@${digest}`, policy, {
        type,
        access: { username: 'admin', password: adminToken },
      });
      expect(result.verified).toHaveLength(1);
    }
    const document = JSON.parse((await api('/openapi.json')).text) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/projects/{project}/repositories/{repository}/artifacts/{digest}/scan',
        '/projects/{project}/repositories/{repository}/artifacts/{digest}/scan/sbom',
        '/projects/{project}/repositories/{repository}/artifacts/{digest}/scan/vulnerabilities',
        '/signing-key',
      ]),
    );
  });

  it('refuses callers without access, and artifacts the repository does not hold', async () => {
    expect((await api(scanPath(digest))).status).toBe(401);
    expect((await api(scanPath(digest), outsiderToken)).status).toBe(403);
    expect((await api(`${scanPath(digest)}/sbom`, outsiderToken)).status).toBe(403);
    expect((await api(scanPath(digest), outsiderToken, 'POST')).status).toBe(403);
    const elsewhere = await api(scanPath(digest, 'other'), adminToken);
    expect(elsewhere.status).toBe(404);
    expect((await api(scanPath('sha256:1234'), adminToken)).status).toBe(400);
    expect((await api(scanPath(`sha256:${'0'.repeat(64)}`), adminToken)).status).toBe(404);
  });

  it('names a deeper repository URL-encoded inside its project', async () => {
    const registry = new RegistryClient({
      host,
      credentials: { username: 'admin', password: adminToken },
    });
    const nested = await pushLayout(registry, join(dir, 'layout'), 'team/tools/build', '1.0');
    const answer = await api(scanPath(nested, 'tools%2Fbuild'), adminToken);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ digest: nested });
    expect((await api(scanPath(nested, 'tools'), adminToken)).status).toBe(404);
  });

  it('a scan request on a scanned artifact keeps its result', async () => {
    const requested = await api(scanPath(digest), adminToken, 'POST');
    expect(requested.status).toBe(202);
    expect(JSON.parse(requested.text)).toMatchObject({ state: 'done' });
  });
});
