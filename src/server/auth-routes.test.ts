/**
 * `/auth/token` as docker, skopeo, podman and containerd call it, on the access model: personal
 * access tokens, robot secrets and passwords (where 2FA allows one), grants through the
 * authoriser, 429 + `Retry-After` when throttled, audited issues and refusals, strict parsing.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  client,
  engines,
  passwordOf,
  useCredentialsFixture,
  type CredentialsFixture,
} from '../auth/credentials/test-fixture.js';
import { openRegistryAuth, type RegistryAuth } from '../auth/index.js';
import { registerAuthRoutes } from './auth-routes.js';

interface TokenBody {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  scope?: string;
  token_type?: string;
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each(engines)('/auth/token on %s', (engine) => {
  const fixture = useCredentialsFixture(engine);
  let app: FastifyInstance;
  let auth: RegistryAuth;
  /** Alice's personal access token (pull and push) and the robot's secret. */
  let aliceToken: string;
  let robotSecret: string;

  beforeEach(async () => {
    const f: CredentialsFixture = fixture();
    const root = await f.createUser('root', { systemAdmin: true });
    const alice = await f.createUser('alice');
    await f.createUser('gina');
    await f.projects.createProject(root, { name: 'team', public: false }, client);
    await f.projects.createProject(root, { name: 'open', public: true }, client);
    await f.projects.createProject(root, { name: 'secret', public: false }, client);
    await f.projects.setMember(
      root,
      'team',
      { kind: 'user', name: 'alice', role: 'developer' },
      client,
    );
    await f.projects.setMember(root, 'team', { kind: 'user', name: 'gina', role: 'guest' }, client);
    aliceToken = (
      await f.credentials.createToken(
        alice,
        { name: 'ci', scopes: ['registry:pull', 'registry:push'] },
        client,
      )
    ).token;
    robotSecret = (
      await f.credentials.createRobot(
        root,
        { name: 'ci', project: 'team', permissions: [{ project: 'team', actions: ['pull'] }] },
        client,
      )
    ).secret;
    auth = await openRegistryAuth({
      meta: f.meta,
      credentials: f.credentials,
      authorizer: f.authorizer,
      audit: f.audit,
      realm: '',
      service: 'moat',
      tokenTtlSeconds: 300,
    });
    app = Fastify();
    registerAuthRoutes(app, auth);
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  const getToken = (query: string, authorization?: string) =>
    app.inject({
      method: 'GET',
      url: `/auth/token?${query}`,
      headers: authorization ? { authorization } : {},
    });

  const postForm = (fields: Record<string, string | string[]>) => {
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
  };

  const accessOf = (response: { json: <T>() => T }) =>
    decodeJwt(response.json<TokenBody>().token).access;

  it('issues a token with the Docker token fields for a personal access token', async () => {
    const response = await getToken(
      'service=moat&scope=repository:team/app:pull,push',
      basic('alice', aliceToken),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<TokenBody>();
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(new Date(body.issued_at).toISOString()).toBe(body.issued_at);
    expect(decodeJwt(body.token)).toMatchObject({
      sub: 'alice',
      access: [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }],
    });
  });

  it('gives less when more is asked, never an error, for every scope parameter', async () => {
    const response = await getToken(
      'scope=repository:team/app:pull,push,delete,frobnicate&scope=repository:secret/app:pull&scope=repository:nothing/app:pull&scope=widget:x:pull&scope=registry:catalog:*',
      basic('alice', aliceToken),
    );
    expect(response.statusCode).toBe(200);
    expect(accessOf(response)).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    ]);
  });

  it("issues a robot's token for its permissions only", async () => {
    const response = await getToken(
      'scope=repository:team/app:pull,push',
      basic('robot$team+ci', robotSecret),
    );
    expect(response.statusCode).toBe(200);
    expect(decodeJwt(response.json<TokenBody>().token)).toMatchObject({
      sub: 'robot$team+ci',
      access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
    });
  });

  it("gives a guest's password a pull and not a push", async () => {
    const response = await getToken(
      'scope=repository:team/app:pull,push',
      basic('gina', passwordOf('gina')),
    );
    expect(accessOf(response)).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull'] },
    ]);
  });

  it('gives a client without credentials an anonymous token for public projects only', async () => {
    const response = await getToken(
      'service=moat&scope=repository:open/app:pull,push&scope=repository:team/app:pull',
    );
    expect(response.statusCode).toBe(200);
    const claims = decodeJwt(response.json<TokenBody>().token);
    expect(claims.sub).toBe('');
    expect(claims.access).toEqual([{ type: 'repository', name: 'open/app', actions: ['pull'] }]);
  });

  it('answers 401 alike to a wrong password, an unknown user, a refused admin password, a token of another user and a wrong robot secret', async () => {
    for (const header of [
      basic('alice', 'not the password'),
      basic('mallory', passwordOf('alice')),
      basic('root', passwordOf('root')),
      basic('gina', aliceToken),
      basic('robot$team+ci', 'A'.repeat(43)),
      basic('robot$team+nobody', robotSecret),
    ]) {
      const response = await getToken('scope=repository:team/app:pull', header);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        errors: [{ code: 'UNAUTHORIZED', message: 'invalid user name or password', detail: null }],
      });
      expect(response.headers['www-authenticate']).toBe('Basic realm="moat"');
    }
  });

  it('answers 429 with Retry-After once a user is throttled, on GET and POST, without saying why', async () => {
    let response = await getToken('', basic('gina', 'guess 0'));
    for (let attempt = 1; attempt < 20 && response.statusCode === 401; attempt++) {
      response = await getToken('', basic('gina', `guess ${attempt}`));
    }
    expect(response.statusCode).toBe(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.json()).toEqual({
      errors: [{ code: 'TOOMANYREQUESTS', message: 'too many failed attempts', detail: null }],
    });
    // Even the right password waits now.
    const right = await getToken('', basic('gina', passwordOf('gina')));
    expect(right.statusCode).toBe(429);
    const posted = await postForm({
      grant_type: 'password',
      username: 'gina',
      password: passwordOf('gina'),
    });
    expect(posted.statusCode).toBe(429);
    expect(posted.headers['retry-after']).toBeDefined();
  });

  it('audits issued tokens and refusals, never with a password or token', async () => {
    await getToken('scope=repository:team/app:pull', basic('alice', aliceToken));
    await getToken('scope=repository:team/app:pull', basic('alice', 'wrong password here'));
    const entries = (await fixture().events()).filter((entry) => entry.action === 'auth.token');
    expect(entries).toMatchObject([
      {
        actor: 'alice',
        outcome: 'success',
        target: 'repository:team/app:pull',
        details: { granted: 'repository:team/app:pull', via: 'pat' },
      },
      { actor: 'alice', outcome: 'failure', details: { reason: 'credentials' } },
    ]);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(aliceToken);
    expect(text).not.toContain('wrong password here');
  });

  it.each([
    'scope=repository:../x:pull',
    'scope=repository:A:pull',
    "scope=repository:team/app'--:pull",
    'scope=repository',
    `scope=repository:${'a'.repeat(600)}:pull`,
    'service=other',
  ])('answers 400 to %s', async (query) => {
    const response = await getToken(query, basic('alice', aliceToken));
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { code: string }[] }>().errors[0]?.code).toBe('INVALID_SCOPE');
  });

  it('refuses more than 32 resources or 64 scope parameters in one request', async () => {
    const header = basic('alice', aliceToken);
    const resources = Array.from({ length: 33 }, (_, i) => `scope=repository:r${i}:pull`);
    expect((await getToken(resources.join('&'), header)).statusCode).toBe(400);
    const parameters = Array.from({ length: 65 }, () => 'scope=repository:r:pull');
    expect((await getToken(parameters.join('&'), header)).statusCode).toBe(400);
    expect((await getToken(resources.slice(1).join('&'), header)).statusCode).toBe(200);
  });

  it('issues a token for the OAuth2 password grant (what containerd asks) with a token as the password', async () => {
    const response = await postForm({
      grant_type: 'password',
      username: 'alice',
      password: aliceToken,
      service: 'moat',
      client_id: 'containerd-client',
      scope: 'repository:team/app:pull repository:team/lib:pull,push,delete',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<TokenBody>();
    expect(body.token_type).toBe('Bearer');
    expect(body.scope).toBe('repository:team/app:pull repository:team/lib:pull,push');
    expect(decodeJwt(body.access_token).sub).toBe('alice');
  });

  it('answers 401 to wrong form credentials, and a refresh grant unsupported_grant_type', async () => {
    const wrong = await postForm({ grant_type: 'password', username: 'alice', password: 'x' });
    expect(wrong.statusCode).toBe(401);
    const refresh = await postForm({ grant_type: 'refresh_token', refresh_token: 'abc' });
    expect(refresh.statusCode).toBe(400);
    expect(refresh.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('answers invalid_request to a form without credentials, a JSON body, and 413 over 16 KiB', async () => {
    const missing = await postForm({ grant_type: 'password', username: 'alice' });
    expect(missing.json()).toMatchObject({ error: 'invalid_request' });
    const json = await app.inject({
      method: 'POST',
      url: '/auth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"grant_type":"password"}',
    });
    expect(json.statusCode).toBe(400);
    const huge = await postForm({
      grant_type: 'password',
      username: 'alice',
      password: 'x'.repeat(20_000),
    });
    expect(huge.statusCode).toBe(413);
  });
});
