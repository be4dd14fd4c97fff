import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { engines, useCredentialsFixture } from '../../../auth/credentials/test-fixture.js';
import { sessionHeaders, tokenAndRobotApi } from './test-app.js';

interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
  revoked: boolean;
  token?: string;
}

describe.each(engines)('/api/v1/users/me/tokens on %s', (engine) => {
  const fixture = useCredentialsFixture(engine);
  let app: FastifyInstance;
  let alice: Record<string, string>;

  beforeEach(async () => {
    await fixture().createUser('alice');
    await fixture().createUser('bob');
    app = await tokenAndRobotApi(fixture());
    alice = await sessionHeaders(fixture(), 'alice');
  });
  afterEach(async () => {
    await app.close();
  });

  const create = (headers: Record<string, string>, payload: unknown) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/users/me/tokens',
      headers,
      payload: payload as object,
    });

  it('creates a token from a session, shows it once, lists and revokes it', async () => {
    const created = await create(alice, {
      name: 'laptop',
      scopes: ['registry:pull', 'api:read'],
      expiresAt: '2027-06-30T00:00:00Z',
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<TokenView>();
    expect(body).toMatchObject({
      name: 'laptop',
      scopes: ['registry:pull', 'api:read'],
      expiresAt: '2027-06-30T00:00:00.000Z',
      revoked: false,
    });
    expect(body.token).toMatch(/^moat_pat_/);
    expect(await fixture().credentials.authenticateToken(body.token!)).toMatchObject({
      name: 'alice',
    });

    const listed = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me/tokens',
      headers: alice,
    });
    expect(listed.statusCode).toBe(200);
    const { token: shown, ...details } = body;
    expect(listed.json<{ tokens: TokenView[] }>().tokens).toEqual([
      { ...details, lastUsedAt: details.createdAt },
    ]);
    expect(listed.body).not.toContain(shown);

    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/v1/users/me/tokens/${body.id}`,
      headers: alice,
    });
    expect(revoked.statusCode).toBe(204);
    expect(await fixture().credentials.authenticateToken(body.token!)).toBeUndefined();
    const again = await app.inject({
      method: 'DELETE',
      url: `/api/v1/users/me/tokens/${body.id}`,
      headers: alice,
    });
    expect(again.statusCode).toBe(404);
  });

  it("lists and revokes only the caller's own tokens", async () => {
    const bobToken = await create(await sessionHeaders(fixture(), 'bob'), {
      name: 'bobs',
      scopes: ['api:read'],
    });
    const id = bobToken.json<TokenView>().id;
    const listed = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me/tokens',
      headers: alice,
    });
    expect(listed.json<{ tokens: TokenView[] }>().tokens).toEqual([]);
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/users/me/tokens/${id}`,
      headers: alice,
    });
    expect(revoke.statusCode).toBe(404);
  });

  it('refuses to create a token with a token (a token cannot widen itself)', async () => {
    const { token } = await fixture().credentials.createToken(
      { kind: 'user', name: 'alice' },
      { name: 'writer', scopes: ['api:read', 'api:write'] },
      { ip: '127.0.0.1' },
    );
    const response = await create(
      { authorization: `Bearer ${token}` },
      { name: 'wider', scopes: ['registry:delete'] },
    );
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'ACCESS_DENIED' } });
    const listed = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me/tokens',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(listed.json<{ tokens: TokenView[] }>().tokens.map((t) => t.name)).toEqual(['writer']);
  });

  it('refuses a cookie-authenticated creation without the CSRF token', async () => {
    const response = await create({ cookie: alice.cookie! }, { name: 'x', scopes: ['api:read'] });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'CSRF_INVALID' } });
  });

  it.each([
    ['an unknown scope', { name: 'x', scopes: ['registry:admin'] }],
    ['no scope', { name: 'x', scopes: [] }],
    ['an SQL-shaped name', { name: "x'; drop table users; --", scopes: ['api:read'] }],
    ['a path as the name', { name: '../../x', scopes: ['api:read'] }],
    ['a Cyrillic name', { name: 'tоken', scopes: ['api:read'] }],
    ['a NUL in the name', { name: 'x\u0000', scopes: ['api:read'] }],
    ['a long name', { name: 'x'.repeat(65), scopes: ['api:read'] }],
    ['an expiry that is no date', { name: 'x', scopes: ['api:read'], expiresAt: 'tomorrow' }],
    [
      'an expiry in the past',
      { name: 'x', scopes: ['api:read'], expiresAt: '2020-01-01T00:00:00Z' },
    ],
    ['an unknown field', { name: 'x', scopes: ['api:read'], owner: 'bob' }],
    ['a thousand scopes', { name: 'x', scopes: Array.from({ length: 1000 }, () => 'api:read') }],
  ])('answers 400 INVALID_REQUEST to %s', async (_what, payload) => {
    const response = await create(alice, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    expect(await fixture().credentials.listTokens({ kind: 'user', name: 'alice' })).toEqual([]);
  });

  it('answers 400 to a token id that is not a UUID', async () => {
    for (const id of ["1' or '1'='1", '..%2F..%2Fetc', 'x'.repeat(90)]) {
      const response = await app.inject({
        method: 'DELETE',
        url: `/api/v1/users/me/tokens/${id}`,
        headers: alice,
      });
      expect(response.statusCode).toBe(400);
    }
  });
});
