/**
 * `/api/v1/audit` through the real framework and services on SQLite and PostgreSQL: system
 * administrators read filtered pages and the JSON Lines export; anyone else is refused; bad
 * filters are `INVALID_REQUEST`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify, { type FastifyInstance } from 'fastify';
import { TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AuditEvent } from '../../../auth/model.js';
import { openAccessServices, type AccessServices } from '../../../auth/open.js';
import type { UserPrincipal } from '../../../auth/services.js';
import { createTestDatabase, type TestDatabase } from '../../../store/metadata/test-database.js';
import { openStores, type OpenStores } from '../../../store/open.js';
import { registerApi } from '../index.js';
import { auditRoutes } from './audit.js';

const client = { ip: '127.0.0.1' };

function event(overrides: Partial<AuditEvent>): AuditEvent {
  return {
    actor: 'ci',
    actorKind: 'robot',
    clientIp: '10.1.1.1',
    action: 'registry.push',
    target: 'team/app@sha256:1',
    outcome: 'success',
    ...overrides,
  };
}

describe.each(['sqlite', 'postgres'] as const)('audit API on %s', (engine) => {
  let dir: string;
  let database: TestDatabase | undefined;
  let stores: OpenStores;
  let services: AccessServices;
  let app: FastifyInstance;
  let adminToken: string;
  let userToken: string;

  /** A user with a PAT (admins enrol TOTP first, as they must). */
  async function userWithToken(username: string, systemAdmin: boolean): Promise<string> {
    const info = await services.identity.createUser(
      { username, password: `${username}-Password-8841`, systemAdmin },
      undefined,
      client,
    );
    const principal: UserPrincipal = { kind: 'user', name: username, id: info.id, systemAdmin };
    if (systemAdmin) {
      const { secret } = await services.identity.beginTotp(principal, client);
      const code = new TOTP({ secret }).generate();
      await services.identity.confirmTotp(principal, code, client);
    }
    const scopes = ['api:read' as const];
    return (await services.credentials.createToken(principal, { name: 'audit', scopes }, client))
      .token;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-audit-api-'));
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
        requireTwoFactor: 'admins',
        sessionIdleTimeoutMs: 30 * 60_000,
        sessionMaxAgeMs: 12 * 3_600_000,
        lockoutThreshold: 3,
        lockoutDurationMs: 60_000,
      },
      dataDir: dir,
      log: () => undefined,
      bootstrap: false,
    });
    adminToken = await userWithToken('root', true);
    userToken = await userWithToken('alice', false);
    for (let i = 0; i < 5; i++) {
      services.audit.record(
        event({ target: `team/app@sha256:${i}`, outcome: i === 3 ? 'denied' : 'success' }),
      );
    }
    services.audit.record(event({ target: 'other/app@sha256:9', action: 'registry.pull' }));
    await services.audit.flush();
    app = Fastify();
    registerApi(app, {
      routes: auditRoutes({ audit: services.audit }),
      identity: services.identity,
      credentials: services.credentials,
      version: 'test',
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await services.close();
    await stores.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, token = adminToken) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  interface Page {
    entries: { seq: number; target: string; time: string; actor: string }[];
    next?: number;
  }

  it('pages through the filtered entries with next/after', async () => {
    const first = await get('/api/v1/audit?actor=ci&target=team/*&limit=2');
    expect(first.statusCode).toBe(200);
    const page = first.json<Page>();
    expect(page.entries.map((e) => e.target)).toEqual(['team/app@sha256:0', 'team/app@sha256:1']);
    expect(page.entries[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    const second = (
      await get(`/api/v1/audit?actor=ci&target=team/*&limit=2&after=${page.next}`)
    ).json<Page>();
    expect(second.entries.map((e) => e.target)).toEqual(['team/app@sha256:2', 'team/app@sha256:3']);
    const last = (
      await get(`/api/v1/audit?actor=ci&target=team/*&limit=2&after=${second.next}`)
    ).json<Page>();
    expect(last.entries.map((e) => e.target)).toEqual(['team/app@sha256:4']);
    expect(last.next).toBeUndefined();
  });

  it('filters by outcome, action and time', async () => {
    const denied = (await get('/api/v1/audit?outcome=denied')).json<Page>();
    expect(denied.entries.map((e) => e.target)).toEqual(['team/app@sha256:3']);
    const pulls = (await get('/api/v1/audit?action=registry.pull&actor=ci')).json<Page>();
    expect(pulls.entries.map((e) => e.target)).toEqual(['other/app@sha256:9']);
    const future = (await get('/api/v1/audit?since=2999-01-01T00:00:00Z')).json<Page>();
    expect(future.entries).toEqual([]);
  });

  it('exports the filtered log as JSON Lines', async () => {
    const response = await get('/api/v1/audit/export?actor=ci');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/x-ndjson');
    const lines = response.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Page['entries'][0]);
    expect(lines).toHaveLength(6);
    expect(lines.every((line) => line.actor === 'ci')).toBe(true);
  });

  it('refuses a user who is not a system administrator, and no credentials at all', async () => {
    const refused = await get('/api/v1/audit', userToken);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'ACCESS_DENIED' } });
    expect((await get('/api/v1/audit/export', userToken)).statusCode).toBe(403);
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/audit' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('refuses bad filters and page sizes naming the field', async () => {
    for (const query of [
      'limit=0',
      'limit=1001',
      'limit=-1',
      'limit=abc',
      'after=1e9',
      'since=yesterday',
      'outcome=maybe',
      `target=${'x'.repeat(1025)}`,
      'unknown=1',
    ]) {
      const response = await get(`/api/v1/audit?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    }
  });

  it('treats SQL-shaped filters as plain text', async () => {
    const response = await get(`/api/v1/audit?actor=${encodeURIComponent("ci' or '1'='1")}`);
    expect(response.statusCode).toBe(200);
    expect(response.json<Page>().entries).toEqual([]);
  });
});
