/**
 * Test support for the token and robot routes: `/api/v1` with those routes over the credentials
 * fixture (real services on SQLite or PostgreSQL), and a user's session as a browser holds it.
 */
import Fastify, { type FastifyInstance } from 'fastify';

import {
  client,
  passwordOf,
  type CredentialsFixture,
} from '../../../auth/credentials/test-fixture.js';
import { registerApi } from '../index.js';
import { robotRoutes } from './robots.js';
import { tokenRoutes } from './tokens.js';

/** `/api/v1` with the token and robot routes. */
export async function tokenAndRobotApi(fixture: CredentialsFixture): Promise<FastifyInstance> {
  const app = Fastify();
  registerApi(app, {
    routes: [...tokenRoutes(fixture), ...robotRoutes(fixture)],
    identity: fixture.identity,
    credentials: fixture.credentials,
    version: '0.0.0',
  });
  await app.ready();
  return app;
}

/** The headers of a logged-in browser: the session cookie and the CSRF token. */
export async function sessionHeaders(
  fixture: CredentialsFixture,
  username: string,
): Promise<Record<string, string>> {
  const session = await fixture.identity.login(
    { username, password: passwordOf(username) },
    client,
  );
  return { cookie: `moat_session=${session.token}`, 'x-csrf-token': session.csrfToken };
}
