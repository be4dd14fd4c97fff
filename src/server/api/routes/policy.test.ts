/**
 * `/api/v1/projects/{project}/policy` through `registerApi`, with the real access services and a
 * real gate (scan service, internal registry) on SQLite and PostgreSQL: YAML and JSON bodies,
 * errors naming the line and the key, project administrators only for writes, members for reads,
 * bounds on the body, and the other routes still JSON only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify, { type FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openAccessServices, type AccessServices } from '../../../auth/open.js';
import type { UserPrincipal } from '../../../auth/services.js';
import { openMemoryQueue } from '../../../jobs/queue-memory.js';
import type { JobQueue } from '../../../jobs/queue-types.js';
import { openScanService, type OpenScanService } from '../../../jobs/scan-service.js';
import { createTestDatabase, type TestDatabase } from '../../../store/metadata/test-database.js';
import { openStores, type OpenStores } from '../../../store/open.js';
import type { InternalRegistry } from '../../gate-types.js';
import { openGateService, type OpenGateService } from '../../gate/service.js';
import { openInternalRegistry } from '../../internal-registry.js';
import { registerApi } from '../index.js';
import { buildOpenApiDocument } from '../openapi.js';
import { policyRoutes } from './policy.js';
import { projectRoutes } from './projects.js';

const client = { ip: '127.0.0.1' };
const password = 'a-Password-for-tests-4821';

const yamlPolicy = `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: production}
spec:
  onPending: deny
  rules:
    - name: no-fixable-critical
      maxSeverity: {severity: HIGH, ignoreUnfixed: true}
`;

describe.each(['sqlite', 'postgres'] as const)('policy routes on %s', (engine) => {
  let dir: string;
  let database: TestDatabase | undefined;
  let stores: OpenStores;
  let services: AccessServices;
  let internal: InternalRegistry;
  let queue: JobQueue;
  let scans: OpenScanService;
  let gate: OpenGateService;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-api-policy-'));
    if (engine === 'postgres') database = await createTestDatabase();
    stores = await openStores({
      metadata: database
        ? { kind: 'postgres', url: database.url }
        : { kind: 'sqlite', path: join(dir, 'moat.db') },
      blobs: { kind: 'fs', root: join(dir, 'blobs') },
    });
    services = await openAccessServices({
      database: stores.database,
      config: {
        tokenTtlSeconds: 300,
        adminPassword: password,
        requireTwoFactor: 'admins',
        sessionIdleTimeoutMs: 30 * 60_000,
        sessionMaxAgeMs: 12 * 3_600_000,
        lockoutThreshold: 3,
        lockoutDurationMs: 60_000,
      },
      dataDir: dir,
      log: () => undefined,
    });
    const limits = {
      maxManifestBytes: 4 * 1024 * 1024,
      maxBlobBytes: 1024 ** 3,
      uploadTtlMs: 3_600_000,
      maxPageSize: 1000,
    };
    internal = await openInternalRegistry({
      meta: stores.meta,
      blobs: stores.blobs,
      audit: services.audit,
      limits,
    });
    queue = openMemoryQueue({ backoffMs: 10 });
    scans = openScanService({
      meta: stores.meta,
      blobs: stores.blobs,
      database: stores.database,
      queue,
      scan: { cacheDir: join(dir, 'cache'), offline: true },
      dbWatchMs: 0,
    });
    gate = openGateService({
      database: stores.database,
      meta: stores.meta,
      blobs: stores.blobs,
      scans,
      internal,
      audit: services.audit,
      config: { pendingTimeoutMs: 1000 },
      registryHost: () => 'registry.example.com',
      authorizer: services.authorizer,
    });

    const { identity, credentials, projects } = services;
    const admin = await identity.getUser('admin');
    const adminPrincipal: UserPrincipal = {
      kind: 'user',
      name: 'admin',
      id: admin?.id ?? '',
      systemAdmin: true,
    };
    const { secret } = await identity.beginTotp(adminPrincipal, client);
    await identity.confirmTotp(
      adminPrincipal,
      new TOTP({ secret: Secret.fromBase32(secret) }).generate(),
      client,
    );
    const users: Record<string, UserPrincipal> = { admin: adminPrincipal };
    for (const username of ['alice', 'bob', 'carol']) {
      const info = await identity.createUser({ username, password }, undefined, client);
      users[username] = { kind: 'user', name: username, id: info.id };
    }
    await projects.createProject(adminPrincipal, { name: 'team', public: false }, client);
    await projects.setMember(
      adminPrincipal,
      'team',
      { kind: 'user', name: 'alice', role: 'projectAdmin' },
      client,
    );
    await projects.setMember(
      adminPrincipal,
      'team',
      { kind: 'user', name: 'bob', role: 'developer' },
      client,
    );
    await projects.setMember(
      adminPrincipal,
      'team',
      { kind: 'user', name: 'carol', role: 'guest' },
      client,
    );
    for (const [username, user] of Object.entries(users)) {
      tokens[username] = (
        await credentials.createToken(
          user,
          { name: 'api', scopes: ['api:read', 'api:write'] },
          client,
        )
      ).token;
    }
    app = Fastify();
    registerApi(app, {
      routes: [...projectRoutes(services), ...policyRoutes({ ...services, gate })],
      identity: services.identity,
      credentials: services.credentials,
      version: '0.0.0-test',
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    gate?.close();
    scans?.close();
    await queue?.close(1000);
    await internal?.close();
    await services?.close();
    await stores?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (
    as: string,
    method: 'GET' | 'PUT' | 'DELETE' | 'POST',
    url: string,
    body?: string,
    type?: string,
  ) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: {
        authorization: `Bearer ${tokens[as] ?? ''}`,
        ...(type !== undefined ? { 'content-type': type } : {}),
      },
      ...(body !== undefined ? { payload: body } : {}),
    });
  const errorOf = (response: { json(): unknown }) =>
    (response.json() as { error: { code: string; message: string } }).error;

  it('lets a project administrator set the policy as YAML; members read it', async () => {
    expect((await send('bob', 'GET', '/projects/team/policy')).statusCode).toBe(404);
    const set = await send('alice', 'PUT', '/projects/team/policy', yamlPolicy, 'application/yaml');
    expect(set.statusCode).toBe(200);
    const view = set.json<{ name: string; hash: string; document: { spec: unknown } }>();
    expect(view).toMatchObject({ project: 'team', name: 'production' });
    expect(view.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const read = await send('bob', 'GET', '/projects/team/policy');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(view);
    expect((await gate.policyOf('team'))?.hash).toBe(view.hash);
    const asYaml = await app.inject({
      method: 'GET',
      url: '/api/v1/projects/team/policy',
      headers: { authorization: `Bearer ${tokens['bob'] ?? ''}`, accept: 'application/yaml' },
    });
    expect(asYaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(asYaml.body).toContain('name: no-fixable-critical');
    // What GET gives as YAML is a document PUT takes back unchanged.
    const again = await send(
      'alice',
      'PUT',
      '/projects/team/policy',
      asYaml.body,
      'application/yaml',
    );
    expect(again.json<{ hash: string }>().hash).toBe(view.hash);

    await services.audit.flush();
    const audited = await services.audit.query({ action: 'policy.update', limit: 10 });
    expect(audited.at(-1)).toMatchObject({
      actor: 'alice',
      target: 'project:team',
      outcome: 'success',
    });
  });

  it('takes JSON too, and names the line and the key of an invalid document', async () => {
    const document = {
      apiVersion: 'moat.dev/v1',
      kind: 'Policy',
      metadata: { name: 'json' },
      spec: { rules: [{ name: 'root', nonRoot: true }] },
    };
    const json = await send(
      'alice',
      'PUT',
      '/projects/team/policy',
      JSON.stringify(document, null, 2),
      'application/json',
    );
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ name: 'json' });

    const bad = JSON.stringify(
      { ...document, spec: { rules: [{ name: 'root', nonRoot: 'yes' }] } },
      null,
      2,
    );
    const refused = await send('alice', 'PUT', '/projects/team/policy', bad, 'application/json');
    expect(refused.statusCode).toBe(400);
    expect(errorOf(refused).code).toBe('POLICY_INVALID');
    // `"nonRoot": "yes"` is on line 11 of the pretty-printed document.
    expect(errorOf(refused).message).toMatch(/:11: .*nonRoot/);

    const unknown = await send(
      'alice',
      'PUT',
      '/projects/team/policy',
      yamlPolicy.replace('  onPending: deny\n', '  onPending: deny\n  colour: blue\n'),
      'application/yaml',
    );
    expect(unknown.statusCode).toBe(400);
    expect(errorOf(unknown).message).toMatch(/:6: .*colour/);
    // The stored policy is still the last valid one.
    expect((await gate.policyOf('team'))?.name).toBe('json');
  });

  it('refuses writes to members who are not project administrators, and unknown projects', async () => {
    const put = await send('bob', 'PUT', '/projects/team/policy', yamlPolicy, 'application/yaml');
    expect(put.statusCode).toBe(403);
    expect((await send('bob', 'DELETE', '/projects/team/policy')).statusCode).toBe(403);
    const missing = await send(
      'admin',
      'PUT',
      '/projects/nowhere/policy',
      yamlPolicy,
      'application/yaml',
    );
    expect(missing.statusCode).toBe(404);
  });

  it('bounds the body and keeps every other route JSON only', async () => {
    const huge = `${yamlPolicy}# ${'x'.repeat(300 * 1024)}\n`;
    const tooLarge = await send('alice', 'PUT', '/projects/team/policy', huge, 'application/yaml');
    expect(tooLarge.statusCode).toBe(413);
    const plain = await send('alice', 'PUT', '/projects/team/policy', yamlPolicy, 'text/plain');
    expect(plain.statusCode).toBe(415);
    const yamlElsewhere = await send(
      'admin',
      'POST',
      '/projects',
      'name: other\n',
      'application/yaml',
    );
    expect(yamlElsewhere.statusCode).toBe(415);
    const empty = await send('alice', 'PUT', '/projects/team/policy', '', 'application/yaml');
    expect(empty.statusCode).toBe(400);
    const json = await send(
      'admin',
      'POST',
      '/projects',
      JSON.stringify({ name: 'other' }),
      'application/json',
    );
    expect(json.statusCode).toBe(201);
  });

  it('removes the policy (project administrators), once', async () => {
    expect((await send('alice', 'DELETE', '/projects/team/policy')).statusCode).toBe(204);
    expect((await send('alice', 'DELETE', '/projects/team/policy')).statusCode).toBe(404);
    expect(await gate.policyOf('team')).toBeUndefined();
  });

  it('exempts from the pull gate the principals that may push (publishers), no one else', async () => {
    const user = async (name: string) => {
      const info = await services.identity.getUser(name);
      return { kind: 'user' as const, name, id: info?.id ?? '' };
    };
    expect(await gate.exempt(await user('alice'), 'team/app')).toBe(true); // projectAdmin
    expect(await gate.exempt(await user('bob'), 'team/app')).toBe(true); // developer: pushes
    expect(await gate.exempt(await user('carol'), 'team/app')).toBe(false); // guest: pulls only
    expect(await gate.exempt(await user('alice'), 'other/app')).toBe(false);
    expect(await gate.exempt({ kind: 'anonymous', name: '' }, 'team/app')).toBe(false);
  });

  it('documents both media types in OpenAPI', () => {
    const document = buildOpenApiDocument(policyRoutes({ ...services, gate }), {
      title: 't',
      version: '0',
    }) as { paths: Record<string, Record<string, { requestBody?: { content: object } }>> };
    const put = document.paths['/projects/{project}/policy']?.['put'];
    expect(Object.keys(put?.requestBody?.content ?? {})).toEqual(
      expect.arrayContaining(['application/json', 'application/yaml']),
    );
  });
});
