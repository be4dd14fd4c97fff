/**
 * The registry's access check on the access model: anonymous pulls of public projects (with no
 * credentials and with an anonymous token), and the re-decision of a Bearer token against the
 * subject as it is now. Real services over a real database on both engines.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type RegistryAuth } from './index.js';
import type { Principal } from './model.js';
import {
  engines,
  openAccessTestDatabase,
  type AccessTestDatabase,
} from './projects/__fixtures__/access-database.js';
import {
  openAccessStack,
  operator,
  testMasterKey,
  testPassword as password,
} from './projects/__fixtures__/access-stack.js';
import type { Credentials, Identity, Projects } from './services.js';
import { AccessError, type AccessRequest, type AccessScope } from './types.js';

const client = { ip: '127.0.0.1' };
const masterKey = testMasterKey();
const anonymous: Principal = { kind: 'anonymous', name: '' };
const request = (authorization?: string): AccessRequest => ({
  headers: { host: 'registry.test', ...(authorization === undefined ? {} : { authorization }) },
  ip: '192.0.2.1',
});
const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const scope = (name: string, ...actions: ('pull' | 'push' | 'delete')[]): AccessScope => ({
  type: 'repository',
  name,
  actions,
});

async function refusal(promise: Promise<unknown>): Promise<AccessError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AccessError);
  return error as AccessError;
}

describe.each(engines)('registry access on %s', (engine) => {
  let db: AccessTestDatabase;
  let identity: Identity;
  let credentials: Credentials;
  let projects: Projects;
  let auth: RegistryAuth;
  const bearer = async (principal: Principal, ...scopes: AccessScope[]) =>
    `Bearer ${(await auth.issueToken(principal, scopes, client)).token}`;

  beforeAll(async () => {
    db = await openAccessTestDatabase(engine);
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.reset();
    ({ identity, credentials, projects, auth } = await openAccessStack(db, masterKey));
    await identity.createUser({ username: 'root', password, systemAdmin: true }, undefined, client);
    await identity.createUser({ username: 'alice', password }, undefined, client);
    await projects.createProject(operator, { name: 'pub', public: true }, client);
    await projects.createProject(operator, { name: 'team', public: false }, client);
  });

  describe('without credentials', () => {
    it('pulls from a public project', async () => {
      expect(await auth.access.require(request(), scope('pub/app', 'pull'))).toEqual(anonymous);
    });

    it('is challenged for a push, a private project, a project that does not exist, and GET /v2/', async () => {
      for (const wanted of [
        scope('pub/app', 'pull', 'push'),
        scope('team/app', 'pull'),
        scope('ghost/app', 'pull'),
        scope(''),
      ]) {
        const error = await refusal(auth.access.require(request(), wanted));
        expect(error.code).toBe('UNAUTHENTICATED');
        expect(error.challenge).toMatch(
          /^Bearer realm="http:\/\/registry\.test\/auth\/token",service="moat"/,
        );
      }
    });

    it('is challenged again once the project stops being public', async () => {
      await projects.updateProject(operator, 'pub', { public: false }, client);
      expect((await refusal(auth.access.require(request(), scope('pub/app', 'pull')))).code).toBe(
        'UNAUTHENTICATED',
      );
    });
  });

  describe('with an anonymous token', () => {
    it('pulls from a public project and passes GET /v2/', async () => {
      const token = await bearer(anonymous, scope('pub/app', 'pull', 'push'));
      expect(await auth.access.require(request(token), scope('pub/app', 'pull'))).toEqual(
        anonymous,
      );
      expect(await auth.access.require(request(token), scope(''))).toEqual(anonymous);
      const push = await refusal(
        auth.access.require(request(token), scope('pub/app', 'pull', 'push')),
      );
      expect(push.challenge).toMatch(/error="insufficient_scope"/);
    });

    it('grants nothing in a private project', async () => {
      const token = await bearer(anonymous, scope('team/app', 'pull'));
      const error = await refusal(auth.access.require(request(token), scope('team/app', 'pull')));
      expect(error.code).toBe('UNAUTHENTICATED');
    });

    it('stops working when the project turns private before the token expires', async () => {
      const token = await bearer(anonymous, scope('pub/app', 'pull'));
      await projects.updateProject(operator, 'pub', { public: false }, client);
      expect(
        (await refusal(auth.access.require(request(token), scope('pub/app', 'pull')))).code,
      ).toBe('UNAUTHENTICATED');
    });
  });

  describe('a Bearer token is decided again against its subject as it is now', () => {
    const alice: Principal = { kind: 'user', name: 'alice' };

    it('loses a push once the user is no longer a member', async () => {
      await projects.setMember(
        operator,
        'team',
        { kind: 'user', name: 'alice', role: 'developer' },
        client,
      );
      const token = await bearer(alice, scope('team/app', 'pull', 'push'));
      expect(
        await auth.access.require(request(token), scope('team/app', 'pull', 'push')),
      ).toMatchObject({
        kind: 'user',
        name: 'alice',
      });
      await projects.removeMember(operator, 'team', { kind: 'user', name: 'alice' }, client);
      expect(
        (await refusal(auth.access.require(request(token), scope('team/app', 'pull', 'push'))))
          .code,
      ).toBe('ACCESS_DENIED');
    });

    it('stops working once the user is disabled or deleted', async () => {
      await projects.setMember(
        operator,
        'team',
        { kind: 'user', name: 'alice', role: 'guest' },
        client,
      );
      const token = await bearer(alice, scope('team/app', 'pull'));
      await identity.updateUser('alice', { disabled: true }, undefined, client);
      const error = await refusal(auth.access.require(request(token), scope('team/app', 'pull')));
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(error.challenge).toMatch(/error="invalid_token"/);
    });

    it("follows a robot's permissions", async () => {
      const { secret, info } = await credentials.createRobot(
        operator,
        {
          name: 'ci',
          project: 'team',
          permissions: [{ project: 'team', actions: ['pull', 'push'] }],
        },
        client,
      );
      const robot = await credentials.authenticateRegistry(info.name, secret, client);
      expect(robot).toBeDefined();
      const token = await bearer(robot as Principal, scope('team/app', 'pull', 'push', 'delete'));
      expect(
        await auth.access.require(request(token), scope('team/app', 'pull', 'push')),
      ).toMatchObject({
        kind: 'robot',
      });
      await credentials.updateRobot(
        operator,
        info.name,
        { permissions: [{ project: 'team', actions: ['pull'] }] },
        client,
      );
      expect(
        (await refusal(auth.access.require(request(token), scope('team/app', 'pull', 'push'))))
          .code,
      ).toBe('ACCESS_DENIED');
      expect(await auth.access.require(request(token), scope('team/app', 'pull'))).toMatchObject({
        kind: 'robot',
      });
    });
  });

  it("takes a project's robots with it when the project is deleted", async () => {
    const { secret, info } = await credentials.createRobot(
      operator,
      { name: 'ci', project: 'team', permissions: [{ project: 'team', actions: ['pull'] }] },
      client,
    );
    await projects.deleteProject(operator, 'team', client);
    await projects.createProject(operator, { name: 'team', public: false }, client);
    expect(await credentials.getRobot(info.name)).toBeUndefined();
    const error = await refusal(
      auth.access.require(request(basic(info.name, secret)), scope('team/app', 'pull')),
    );
    expect(error.code).toBe('UNAUTHENTICATED');
  });

  describe('Basic credentials', () => {
    it("give a guest's personal access token pull and refuse its push", async () => {
      await projects.setMember(
        operator,
        'team',
        { kind: 'user', name: 'alice', role: 'guest' },
        client,
      );
      const user = await identity.getUser('alice');
      const { token } = await credentials.createToken(
        { kind: 'user', name: 'alice', id: user?.id ?? '' },
        { name: 'ci', scopes: ['registry:pull', 'registry:push'] },
        client,
      );
      const header = basic('alice', token);
      expect(await auth.access.require(request(header), scope('team/app', 'pull'))).toMatchObject({
        name: 'alice',
      });
      expect(
        (await refusal(auth.access.require(request(header), scope('team/app', 'pull', 'push'))))
          .code,
      ).toBe('ACCESS_DENIED');
    });

    it('are refused for a system administrator who must still enrol a second factor', async () => {
      // root is a system administrator without TOTP: its password no longer works at the registry.
      const error = await refusal(
        auth.access.require(request(basic('root', password)), scope('team/app', 'pull')),
      );
      expect(error.code).toBe('UNAUTHENTICATED');
    });
  });
});
