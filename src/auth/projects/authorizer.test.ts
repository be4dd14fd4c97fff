import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { Principal } from '../model.js';
import type { RequestedScope } from '../scope.js';
import type { Authorizer, Projects } from '../services.js';
import {
  addUser,
  auditEvents,
  engines,
  openAccessTestDatabase,
  type AccessTestDatabase,
} from './__fixtures__/access-database.js';
import { createAuthorizer } from './authorizer.js';
import { createProjects } from './projects.js';

const client = { ip: '127.0.0.1' };
const root: Principal = { kind: 'user', name: 'root', systemAdmin: true };
const anonymous: Principal = { kind: 'anonymous', name: '' };
const alice: Principal = { kind: 'user', name: 'alice' };
const repo = (name: string, actions: ('pull' | 'push' | 'delete' | '*')[]) =>
  ({ type: 'repository', name, actions }) as const;

describe.each(engines)('the authorizer on %s', (engine) => {
  let db: AccessTestDatabase;
  let projects: Projects;
  let authorizer: Authorizer;

  beforeAll(async () => {
    db = await openAccessTestDatabase(engine);
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.reset();
    projects = createProjects({ database: db.database, audit: auditEvents() });
    authorizer = createAuthorizer({ projects });
    await addUser(db.database, 'root', { systemAdmin: true });
    await addUser(db.database, 'alice');
    await projects.createProject(root, { name: 'team', public: false }, client);
    await projects.createProject(root, { name: 'pub', public: true }, client);
  });

  describe('registry decisions', () => {
    it('grants a developer pull and push but not delete, in the order asked', async () => {
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'developer' },
        client,
      );
      expect(await authorizer.decide(alice, repo('team/app', ['push', 'delete', 'pull']))).toEqual(
        repo('team/app', ['push', 'pull']),
      );
    });

    it('narrows * to the granted actions, and keeps it whole when all are granted', async () => {
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'developer' },
        client,
      );
      expect((await authorizer.decide(alice, repo('team/app', ['*']))).actions).toEqual([
        'pull',
        'push',
      ]);
      expect((await authorizer.decide(root, repo('team/app', ['*']))).actions).toEqual(['*']);
    });

    it('takes the project from the first path component only', async () => {
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'guest' },
        client,
      );
      expect((await authorizer.decide(alice, repo('team/a/b/c', ['pull']))).actions).toEqual([
        'pull',
      ]);
      expect((await authorizer.decide(alice, repo('teamx/app', ['pull']))).actions).toEqual([]);
      expect((await authorizer.decide(alice, repo('other/team/app', ['pull']))).actions).toEqual(
        [],
      );
    });

    it('gives a repository outside any project to system administrators only', async () => {
      expect(
        (await authorizer.decide(root, repo('nowhere/app', ['pull', 'push']))).actions,
      ).toEqual(['pull', 'push']);
      expect(
        (await authorizer.decide(alice, repo('nowhere/app', ['pull', 'push']))).actions,
      ).toEqual([]);
      // Pushing there created nothing.
      expect(await projects.getProject('nowhere')).toBeUndefined();
    });

    it('lets anyone pull from a public project, and nobody push there without a role', async () => {
      for (const principal of [anonymous, alice]) {
        expect(
          (await authorizer.decide(principal, repo('pub/app', ['pull', 'push']))).actions,
        ).toEqual(['pull']);
        expect((await authorizer.decide(principal, repo('team/app', ['pull']))).actions).toEqual(
          [],
        );
      }
    });

    it('keeps the catalog for system administrators', async () => {
      const catalog: RequestedScope = { type: 'registry', name: 'catalog', actions: ['*'] };
      expect((await authorizer.decide(root, catalog)).actions).toEqual(['*']);
      expect((await authorizer.decide(alice, catalog)).actions).toEqual([]);
      expect((await authorizer.decide(anonymous, catalog)).actions).toEqual([]);
    });
  });

  describe('personal access tokens', () => {
    it('cap a system administrator to the scopes of the token', async () => {
      const pullOnly: Principal = { ...root, tokenScopes: ['registry:pull'] };
      expect(
        (await authorizer.decide(pullOnly, repo('team/app', ['pull', 'push', 'delete']))).actions,
      ).toEqual(['pull']);
      expect(await authorizer.can(pullOnly, 'team', 'member:write')).toBe(false);
    });

    it('leave a user the intersection of the scopes and the role', async () => {
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'maintainer' },
        client,
      );
      const token = (
        scopes: (
          'registry:pull' | 'registry:push' | 'registry:delete' | 'api:read' | 'api:write'
        )[],
      ) => ({ kind: 'user', name: 'alice', via: 'pat', tokenScopes: scopes }) as Principal;
      expect(
        (await authorizer.decide(token(['registry:push']), repo('team/app', ['pull', 'push'])))
          .actions,
      ).toEqual(['push']);
      expect(await authorizer.can(token(['api:read']), 'team', 'robot:read')).toBe(true);
      expect(await authorizer.can(token(['api:read']), 'team', 'label:write')).toBe(false);
      expect(await authorizer.can(token(['api:write']), 'team', 'label:write')).toBe(true);
      expect(await authorizer.can(token(['api:write']), 'team', 'pull')).toBe(false);
      // The role still bounds the token: a maintainer's api:write is not member:write.
      expect(await authorizer.can(token(['api:write']), 'team', 'member:write')).toBe(false);
      expect(await authorizer.can(token([]), 'team', 'pull')).toBe(false);
    });
  });

  describe('robots', () => {
    const robot = (
      name: string,
      permissions: { project: string; actions: ('pull' | 'push' | 'delete')[] }[],
    ) => ({ kind: 'robot', name, permissions }) as Principal;

    it('may do exactly their explicit permissions', async () => {
      const ci = robot('robot$team+ci', [{ project: 'team', actions: ['pull', 'push'] }]);
      expect(
        (await authorizer.decide(ci, repo('team/app', ['pull', 'push', 'delete']))).actions,
      ).toEqual(['pull', 'push']);
      expect(await authorizer.can(ci, 'team', 'member:read')).toBe(false);
    });

    it('act only in their own project when they are project robots', async () => {
      const sneaky = robot('robot$team+ci', [
        { project: 'other', actions: ['pull'] },
        { project: '*', actions: ['pull'] },
      ]);
      await projects.createProject(root, { name: 'other', public: false }, client);
      expect((await authorizer.decide(sneaky, repo('other/app', ['pull']))).actions).toEqual([]);
      expect((await authorizer.decide(sneaky, repo('team/app', ['pull']))).actions).toEqual([]);
    });

    it('reach every existing project with * as system robots, but not outside any project', async () => {
      const system = robot('robot$backup', [{ project: '*', actions: ['pull'] }]);
      expect((await authorizer.decide(system, repo('team/app', ['pull', 'push']))).actions).toEqual(
        ['pull'],
      );
      expect((await authorizer.decide(system, repo('nowhere/app', ['pull']))).actions).toEqual([]);
    });
  });

  describe('users', () => {
    it('get the strongest role of their own membership and their groups', async () => {
      await projects.setGroupMembers(root, 'devs', ['alice'], client);
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'guest' },
        client,
      );
      await projects.setMember(
        root,
        'team',
        { kind: 'group', name: 'devs', role: 'maintainer' },
        client,
      );
      expect(await authorizer.can(alice, 'team', 'delete')).toBe(true);
      await projects.setGroupMembers(root, 'devs', [], client);
      expect(await authorizer.can(alice, 'team', 'delete')).toBe(false);
      expect(await authorizer.can(alice, 'team', 'pull')).toBe(true);
    });

    it('may do nothing while they must enrol a second factor', async () => {
      const enrolling: Principal = {
        kind: 'user',
        name: 'root',
        systemAdmin: true,
        mustEnrolTwoFactor: true,
      };
      expect(await authorizer.can(enrolling, 'pub', 'pull')).toBe(false);
      expect((await authorizer.decide(enrolling, repo('team/app', ['pull']))).actions).toEqual([]);
      expect(() => authorizer.requireSystemAdmin(enrolling)).toThrow(
        expect.objectContaining({ code: 'ACCESS_DENIED' }),
      );
    });

    it('lose their rights when disabled', async () => {
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'developer' },
        client,
      );
      await db.database.writeOne((d) =>
        d.updateTable('users').set({ disabled: 1 }).where('username', '=', 'alice').execute(),
      );
      expect(await authorizer.can(alice, 'team', 'pull')).toBe(false);
    });

    it('are refused with ACCESS_DENIED by require, and outside a valid project name too', async () => {
      await expect(authorizer.require(alice, 'team', 'pull')).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      for (const name of ["team' or '1'='1", '../team', 'tеam', 'team\u0000', 'TEAM', '']) {
        expect(await authorizer.can(alice, name, 'pull')).toBe(false);
        expect(await authorizer.can(anonymous, name, 'pull')).toBe(false);
      }
    });
  });

  describe('label-based access', () => {
    const restricted = { 'moat.classification': 'restricted' };

    it('gives a classified image to members granted the classification only', async () => {
      await addUser(db.database, 'bob');
      const bob: Principal = { kind: 'user', name: 'bob' };
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'developer', classifications: ['restricted'] },
        client,
      );
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'bob', role: 'projectAdmin' },
        client,
      );
      expect(await authorizer.missingClassification(alice, 'team', restricted)).toBeUndefined();
      expect(await authorizer.missingClassification(bob, 'team', restricted)).toBe('restricted');
      expect(await authorizer.missingClassification(root, 'team', restricted)).toBeUndefined();
      expect(await authorizer.missingClassification(anonymous, 'pub', restricted)).toBe(
        'restricted',
      );
      expect(await authorizer.missingClassification(bob, 'team', { other: 'x' })).toBeUndefined();
    });

    it('grants classifications through groups, and needs every one a label names', async () => {
      await projects.setGroupMembers(root, 'cleared', ['alice'], client);
      await projects.setMember(
        root,
        'team',
        { kind: 'group', name: 'cleared', role: 'guest', classifications: ['restricted'] },
        client,
      );
      expect(
        await authorizer.missingClassification(alice, 'team', {
          'moat.classification': ' Restricted ',
        }),
      ).toBeUndefined();
      expect(
        await authorizer.missingClassification(alice, 'team', {
          'moat.classification': 'restricted,export',
        }),
      ).toBe('export');
    });

    it('refuses robots, which hold no classifications', async () => {
      const ci: Principal = {
        kind: 'robot',
        name: 'robot$team+ci',
        permissions: [{ project: 'team', actions: ['pull'] }],
      };
      expect(await authorizer.missingClassification(ci, 'team', restricted)).toBe('restricted');
    });

    it('refuses everyone but system administrators an oversized label', async () => {
      const huge = {
        'moat.classification': Array.from({ length: 40 }, (_, i) => `c${i}`).join(','),
      };
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'developer', classifications: ['c0', 'c1'] },
        client,
      );
      expect(await authorizer.missingClassification(alice, 'team', huge)).toMatch(/oversized/);
      expect(await authorizer.missingClassification(root, 'team', huge)).toBeUndefined();
    });
  });
});
