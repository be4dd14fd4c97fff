import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openRegistryAuth, type RegistryAuth } from '../auth/index.js';
import { openMetadataStore } from '../store/metadata/open.js';
import type { MetadataStore } from '../store/types.js';
import { registerAuthRoutes } from './auth-routes.js';

let dir: string;
let meta: MetadataStore;
let auth: RegistryAuth;
let app: FastifyInstance;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-auth-routes-'));
  meta = await openMetadataStore({ kind: 'sqlite', path: join(dir, 'moat.db') });
  auth = await openRegistryAuth({
    meta,
    dataDir: dir,
    realm: '',
    service: 'moat',
    tokenTtlSeconds: 300,
    adminPassword: 'secret-pw',
    log: () => {},
  });
  app = Fastify();
  registerAuthRoutes(app, auth);
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await meta.close();
  await rm(dir, { recursive: true, force: true });
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const admin = basic('admin', 'secret-pw');

function getToken(query: string, authorization?: string) {
  return app.inject({
    method: 'GET',
    url: `/auth/token?${query}`,
    headers: authorization ? { authorization } : {},
  });
}

function postForm(fields: Record<string, string | string[]>) {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  return app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  });
}

interface TokenBody {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  scope?: string;
}

describe('GET /auth/token', () => {
  it('issues a token with the Docker token fields for the administrator', async () => {
    const response = await getToken('service=moat&scope=repository:team/app:pull,push', admin);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<TokenBody>();
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(new Date(body.issued_at).toISOString()).toBe(body.issued_at);
    expect(decodeJwt(body.token).access).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    ]);
    const principal = await auth.access.require(
      { headers: { authorization: `Bearer ${body.token}` }, ip: '' },
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    );
    expect(principal).toEqual({ kind: 'user', name: 'admin' });
  });

  it('grants the intersection of what was asked and what is known, for every scope parameter', async () => {
    const response = await getToken(
      'scope=repository:a:pull,frobnicate&scope=repository:b:delete&scope=widget:x:pull&scope=registry:catalog:*',
      admin,
    );
    expect(decodeJwt(response.json<TokenBody>().token).access).toEqual([
      { type: 'repository', name: 'a', actions: ['pull'] },
      { type: 'repository', name: 'b', actions: ['delete'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('gives a request without credentials an anonymous token that grants nothing', async () => {
    const response = await getToken('service=moat&scope=repository:team/app:pull');
    expect(response.statusCode).toBe(200);
    const claims = decodeJwt(response.json<TokenBody>().token);
    expect(claims.access).toEqual([]);
    expect(claims.sub).toBe('');
  });

  it('answers 401 UNAUTHORIZED alike to a wrong password and an unknown user', async () => {
    const wrong = await getToken('scope=repository:a:pull', basic('admin', 'nope'));
    const unknown = await getToken('scope=repository:a:pull', basic('mallory', 'secret-pw'));
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        errors: [{ code: 'UNAUTHORIZED', message: 'invalid user name or password', detail: null }],
      });
      expect(response.headers['www-authenticate']).toMatch(/^Basic realm=/);
    }
  });

  it.each([
    'scope=repository:../x:pull',
    'scope=repository:A:pull',
    'scope=repository',
    `scope=repository:${'a'.repeat(600)}:pull`,
    'service=other',
  ])('answers 400 to %s', async (query) => {
    const response = await getToken(query, admin);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { code: string }[] }>().errors[0]?.code).toBe('INVALID_SCOPE');
  });

  it('refuses more than 32 resources or 64 scope parameters in one request', async () => {
    const resources = Array.from({ length: 33 }, (_, i) => `scope=repository:r${i}:pull`);
    expect((await getToken(resources.join('&'), admin)).statusCode).toBe(400);
    const parameters = Array.from({ length: 65 }, () => 'scope=repository:r:pull');
    expect((await getToken(parameters.join('&'), admin)).statusCode).toBe(400);
    expect((await getToken(resources.slice(1).join('&'), admin)).statusCode).toBe(200);
  });
});

describe('POST /auth/token', () => {
  it('issues a token for the password grant (OAuth2, as containerd asks)', async () => {
    const response = await postForm({
      grant_type: 'password',
      username: 'admin',
      password: 'secret-pw',
      service: 'moat',
      client_id: 'containerd-client',
      scope: 'repository:team/app:pull repository:team/lib:pull,push',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<TokenBody & { token_type: string }>();
    expect(body.token_type).toBe('Bearer');
    expect(body.scope).toBe('repository:team/app:pull repository:team/lib:pull,push');
    expect(decodeJwt(body.access_token).sub).toBe('admin');
  });

  it('answers 401 to wrong credentials', async () => {
    const response = await postForm({ grant_type: 'password', username: 'admin', password: 'x' });
    expect(response.statusCode).toBe(401);
    expect(response.json<{ errors: { code: string }[] }>().errors[0]?.code).toBe('UNAUTHORIZED');
  });

  it('answers unsupported_grant_type to a refresh token (none are issued), so clients fall back to GET', async () => {
    const response = await postForm({ grant_type: 'refresh_token', refresh_token: 'abc' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('answers invalid_request to a form without credentials or a body that is not a form', async () => {
    const missing = await postForm({ grant_type: 'password', username: 'admin' });
    expect(missing.json()).toMatchObject({ error: 'invalid_request' });
    const json = await app.inject({
      method: 'POST',
      url: '/auth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"grant_type":"password"}',
    });
    expect(json.statusCode).toBe(400);
  });

  it('refuses a form body over 16 KiB', async () => {
    const response = await postForm({
      grant_type: 'password',
      username: 'admin',
      password: 'x'.repeat(20_000),
    });
    expect(response.statusCode).toBe(413);
  });
});
