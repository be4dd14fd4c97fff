import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { Principal } from '../model.js';
import type { Projects } from '../services.js';
import {
  addUser,
  auditEvents,
  engines,
  openAccessTestDatabase,
  type AccessTestDatabase,
} from './__fixtures__/access-database.js';
import { createProjects } from './projects.js';

const client = { ip: '192.0.2.7' };
const root: Principal = { kind: 'user', name: 'root', systemAdmin: true };
const alice: Principal = { kind: 'user', name: 'alice' };
const anonymous: Principal = { kind: 'anonymous', name: '' };
/** Names that the grammar must refuse: SQL, traversal, Unicode look-alikes, NUL, case, length. */
const hostileNames = [
  "team'; drop table projects; --",
  '../etc',
  'team/app',
  'tеam', // Cyrillic е
  'team\u0000',
  'Team',
  '',
  '-team',
  'a'.repeat(65),
];

describe.each(engines)('projects on %s', (engine) => {
  let db: AccessTestDatabase;
  let audit: ReturnType<typeof auditEvents>;
  let projects: Projects;

  beforeAll(async () => {
    db = await openAccessTestDatabase(engine);
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.reset();
    audit = auditEvents();
    projects = createProjects({ database: db.database, audit, now: () => 1_700_000_000_000 });
    await addUser(db.database, 'root', { systemAdmin: true });
    await addUser(db.database, 'alice');
    await addUser(db.database, 'bob');
  });

  describe('projects', () => {
    it('are created by system administrators, once, and audited', async () => {
      const created = await projects.createProject(root, { name: 'team', public: false }, client);
      expect(created).toEqual({
        name: 'team',
        public: false,
        createdAt: new Date(1_700_000_000_000),
      });
      expect(await projects.getProject('team')).toEqual(created);
      await expect(
        projects.createProject(root, { name: 'team', public: true }, client),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(audit.events.map((e) => [e.action, e.target, e.outcome, e.actor, e.clientIp])).toEqual(
        [
          ['project.create', 'project:team', 'success', 'root', '192.0.2.7'],
          ['project.create', 'project:team', 'failure', 'root', '192.0.2.7'],
        ],
      );
    });

    it('cannot be created by other users, and the refusal is audited', async () => {
      await expect(
        projects.createProject(alice, { name: 'mine', public: true }, client),
      ).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      expect(await projects.getProject('mine')).toBeUndefined();
      expect(audit.events).toMatchObject([
        { action: 'project.create', outcome: 'denied', actor: 'alice' },
      ]);
    });

    it('refuse injection-shaped and overlong names', async () => {
      for (const name of hostileNames) {
        await expect(
          projects.createProject(root, { name, public: false }, client),
          name,
        ).rejects.toMatchObject({
          code: 'INVALID_REQUEST',
        });
      }
      expect(await projects.listProjects(root)).toEqual([]);
    });

    it('are listed as each principal may see them', async () => {
      await projects.createProject(root, { name: 'a-private', public: false }, client);
      await projects.createProject(root, { name: 'b-public', public: true }, client);
      await projects.createProject(root, { name: 'c-member', public: false }, client);
      await projects.createProject(root, { name: 'd-group', public: false }, client);
      await projects.setMember(
        root,
        'c-member',
        { kind: 'user', name: 'alice', role: 'limitedGuest' },
        client,
      );
      await projects.setGroupMembers(root, 'g', ['alice'], client);
      await projects.setMember(
        root,
        'd-group',
        { kind: 'group', name: 'g', role: 'guest' },
        client,
      );
      const names = async (principal: Principal) =>
        (await projects.listProjects(principal)).map((p) => p.name);
      expect(await names(root)).toEqual(['a-private', 'b-public', 'c-member', 'd-group']);
      expect(await names(alice)).toEqual(['b-public', 'c-member', 'd-group']);
      expect(await names({ kind: 'user', name: 'bob' })).toEqual(['b-public']);
      expect(await names(anonymous)).toEqual(['b-public']);
      expect(
        await names({
          kind: 'robot',
          name: 'robot$a-private+ci',
          permissions: [{ project: 'a-private', actions: ['pull'] }],
        }),
      ).toEqual(['a-private', 'b-public']);
      expect(
        await names({
          kind: 'robot',
          name: 'robot$backup',
          permissions: [{ project: '*', actions: ['pull'] }],
        }),
      ).toEqual(['a-private', 'b-public', 'c-member', 'd-group']);
      expect(
        await names({ kind: 'user', name: 'root', systemAdmin: true, mustEnrolTwoFactor: true }),
      ).toEqual(['b-public']);
    });

    it('are updated by their project administrators and not by developers', async () => {
      await projects.createProject(root, { name: 'team', public: false }, client);
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'projectAdmin' },
        client,
      );
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'bob', role: 'developer' },
        client,
      );
      expect(await projects.updateProject(alice, 'team', { public: true }, client)).toMatchObject({
        public: true,
      });
      await expect(
        projects.updateProject({ kind: 'user', name: 'bob' }, 'team', { public: false }, client),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      expect((await projects.getProject('team'))?.public).toBe(true);
    });

    it('answer NOT_FOUND to administrators and ACCESS_DENIED to others for an unknown project', async () => {
      await expect(
        projects.updateProject(root, 'ghost', { public: true }, client),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        projects.updateProject(alice, 'ghost', { public: true }, client),
      ).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
    });

    it('are deleted with their memberships, but not while they hold repositories', async () => {
      await projects.createProject(root, { name: 'team', public: false }, client);
      await projects.createProject(root, { name: 'team2', public: false }, client);
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'guest' },
        client,
      );
      const digest = `sha256:${'ab'.repeat(32)}`;
      expect(await db.meta.beginBlob(digest, 60_000)).toBe('ok');
      await db.meta.putBlob('team/app', { digest, size: 3 });
      // `team2/…` and `teamx` are not in `team`, and `team_` is no wildcard.
      await db.meta.putBlob('team2/app', { digest, size: 3 });
      await expect(projects.deleteProject(root, 'team', client)).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      await db.meta.unlinkBlob('team/app', digest);
      await projects.deleteProject(root, 'team', client);
      expect(await projects.getProject('team')).toBeUndefined();
      await expect(projects.listMembers('team')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      // A project of the same name starts with no members.
      await projects.createProject(root, { name: 'team', public: false }, client);
      expect(await projects.listMembers('team')).toEqual([]);
      await expect(projects.deleteProject(root, 'ghost', client)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });

  it('leaves no membership behind when members are set while the project is deleted', async () => {
    await projects.createProject(root, { name: 'race', public: false }, client);
    const users = Array.from({ length: 8 }, (_, i) => `racer${i}`);
    for (const username of users) await addUser(db.database, username);
    // Another process, as a second service on the same database would be.
    const other = createProjects({ database: db.database, audit: auditEvents() });
    const results = await Promise.allSettled([
      ...users.map((name) =>
        other.setMember(root, 'race', { kind: 'user', name, role: 'guest' }, client),
      ),
      projects.deleteProject(root, 'race', client),
    ]);
    expect(results.at(-1)?.status).toBe('fulfilled');
    for (const result of results.slice(0, -1)) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'NOT_FOUND' });
    }
    const left = await db.database.read((d) =>
      d.selectFrom('project_members').select('member_id').where('project', '=', 'race').execute(),
    );
    expect(left).toEqual([]);
  });

  describe('members', () => {
    beforeEach(async () => {
      await projects.createProject(root, { name: 'team', public: false }, client);
    });

    it('are set, replaced, listed and removed, each change audited', async () => {
      await projects.setMember(
        root,
        'team',
        {
          kind: 'user',
          name: 'alice',
          role: 'developer',
          classifications: ['secret', 'restricted', 'secret'],
        },
        client,
      );
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'maintainer' },
        client,
      );
      await projects.setGroupMembers(root, 'ops', ['bob'], client);
      await projects.setMember(
        root,
        'team',
        { kind: 'group', name: 'ops', role: 'guest', classifications: ['restricted'] },
        client,
      );
      expect(await projects.listMembers('team')).toEqual([
        { project: 'team', kind: 'user', name: 'alice', role: 'maintainer', classifications: [] },
        {
          project: 'team',
          kind: 'group',
          name: 'ops',
          role: 'guest',
          classifications: ['restricted'],
        },
      ]);
      await projects.removeMember(root, 'team', { kind: 'user', name: 'alice' }, client);
      await expect(
        projects.removeMember(root, 'team', { kind: 'user', name: 'alice' }, client),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect((await projects.listMembers('team')).map((m) => m.name)).toEqual(['ops']);
      expect(audit.events.filter((e) => e.action.startsWith('member.'))).toMatchObject([
        {
          action: 'member.set',
          details: {
            member: 'user:alice',
            role: 'developer',
            classifications: 'restricted,secret',
          },
        },
        { action: 'member.set', details: { member: 'user:alice', role: 'maintainer' } },
        { action: 'member.set', details: { member: 'group:ops', role: 'guest' } },
        { action: 'member.remove', details: { member: 'user:alice' }, outcome: 'success' },
      ]);
    });

    it('are managed by project administrators only', async () => {
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'maintainer' },
        client,
      );
      await expect(
        projects.setMember(alice, 'team', { kind: 'user', name: 'bob', role: 'guest' }, client),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'projectAdmin' },
        client,
      );
      await projects.setMember(alice, 'team', { kind: 'user', name: 'bob', role: 'guest' }, client);
      expect(await projects.membership({ kind: 'user', name: 'bob' }, 'team')).toEqual({
        role: 'guest',
        classifications: [],
      });
    });

    it('must name an existing user or group, a known role and valid classifications', async () => {
      const attempts: [Parameters<Projects['setMember']>[2], string][] = [
        [{ kind: 'user', name: 'nobody', role: 'guest' }, 'NOT_FOUND'],
        [{ kind: 'group', name: 'nogroup', role: 'guest' }, 'NOT_FOUND'],
        [{ kind: 'user', name: 'alice', role: 'owner' as 'guest' }, 'INVALID_REQUEST'],
        [
          { kind: 'user', name: 'alice', role: 'guest', classifications: ['Restricted'] },
          'INVALID_REQUEST',
        ],
        [
          { kind: 'user', name: 'alice', role: 'guest', classifications: ["x' or 1=1"] },
          'INVALID_REQUEST',
        ],
        [
          {
            kind: 'user',
            name: 'alice',
            role: 'guest',
            classifications: Array.from({ length: 17 }, (_, i) => `c${i}`),
          },
          'INVALID_REQUEST',
        ],
        ...hostileNames.map(
          (name) =>
            [{ kind: 'user', name, role: 'guest' }, 'INVALID_REQUEST'] as [
              Parameters<Projects['setMember']>[2],
              string,
            ],
        ),
      ];
      for (const [member, code] of attempts) {
        await expect(
          projects.setMember(root, 'team', member, client),
          JSON.stringify(member),
        ).rejects.toMatchObject({
          code,
        });
      }
      expect(await projects.listMembers('team')).toEqual([]);
    });

    it('of an unknown project are refused', async () => {
      await expect(
        projects.setMember(root, 'ghost', { kind: 'user', name: 'alice', role: 'guest' }, client),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('groups', () => {
    it('are created and replaced by system administrators, with existing users only', async () => {
      await projects.setGroupMembers(root, 'ops', ['bob', 'alice', 'bob'], client);
      await projects.setGroupMembers(root, 'empty', [], client);
      expect(await projects.listGroups()).toEqual([
        { name: 'empty', members: [] },
        { name: 'ops', members: ['alice', 'bob'] },
      ]);
      await expect(
        projects.setGroupMembers(root, 'ops', ['alice', 'ghost'], client),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect((await projects.listGroups())[1]).toEqual({ name: 'ops', members: ['alice', 'bob'] });
      await expect(projects.setGroupMembers(alice, 'ops', [], client)).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
    });

    it('refuse hostile names and oversized member lists', async () => {
      for (const name of hostileNames) {
        await expect(projects.setGroupMembers(root, name, [], client), name).rejects.toMatchObject({
          code: 'INVALID_REQUEST',
        });
        await expect(
          projects.setGroupMembers(root, 'ops', [name], client),
          name,
        ).rejects.toMatchObject({
          code: 'INVALID_REQUEST',
        });
      }
      const many = Array.from({ length: 1001 }, (_, i) => `user${i}`);
      await expect(projects.setGroupMembers(root, 'ops', many, client)).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
      });
      expect(await projects.listGroups()).toEqual([]);
    });
  });

  describe('membership', () => {
    it('is the strongest role over the user and its groups, with the union of classifications', async () => {
      await projects.createProject(root, { name: 'team', public: false }, client);
      await projects.setGroupMembers(root, 'a', ['alice'], client);
      await projects.setGroupMembers(root, 'b', ['alice'], client);
      await projects.setMember(
        root,
        'team',
        { kind: 'user', name: 'alice', role: 'guest', classifications: ['x'] },
        client,
      );
      await projects.setMember(
        root,
        'team',
        { kind: 'group', name: 'a', role: 'maintainer', classifications: ['y'] },
        client,
      );
      await projects.setMember(
        root,
        'team',
        { kind: 'group', name: 'b', role: 'developer' },
        client,
      );
      expect(await projects.membership(alice, 'team')).toEqual({
        role: 'maintainer',
        classifications: ['x', 'y'],
      });
      expect(await projects.membership({ kind: 'user', name: 'bob' }, 'team')).toBeUndefined();
      expect(await projects.membership(anonymous, 'team')).toBeUndefined();
    });
  });
});
