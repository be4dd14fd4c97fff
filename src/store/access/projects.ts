/**
 * Queries of projects, groups and project members (tables of `schema-access.ts`), the same on
 * SQLite and PostgreSQL. Users are referred to by name at this boundary and resolved to their id
 * here, so that a membership check is one query whatever the principal carries. Names are
 * validated by the caller (`auth/projects/names.ts`); every value travels as a parameter.
 */
import { sql } from 'kysely';

import type { MetadataDb, StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** A project row. */
export interface ProjectRow {
  name: string;
  public: boolean;
  createdAt: Date;
}

/** A member row, with the user's name for user members. */
export interface MemberRow {
  kind: 'user' | 'group';
  name: string;
  role: string;
  classifications: string[];
}

/** One role a user holds in a project, directly or through a group. */
export interface GrantRow {
  role: string;
  classifications: string[];
}

/** Creates a project; false when the name is taken. */
export async function insertProject(
  store: StoreDatabase,
  project: { name: string; public: boolean; now: number },
): Promise<boolean> {
  const result = await store.writeOne((db) =>
    db
      .insertInto('projects')
      .values({
        name: project.name,
        public: project.public ? 1 : 0,
        created_at: project.now,
        updated_at: project.now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst(),
  );
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The project of that name, or undefined. */
export function selectProject(store: StoreDatabase, name: string): Promise<ProjectRow | undefined> {
  return store.read(async (db) => {
    const row = await db
      .selectFrom('projects')
      .select(['name', 'public', 'created_at'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toProject(row);
  });
}

/**
 * Projects in name order: every one (`scope: 'all'`), or the public ones plus those the user
 * (by name) or the listed projects make visible.
 */
export function selectProjects(
  store: StoreDatabase,
  scope: 'all' | { username?: string; projects?: string[] },
): Promise<ProjectRow[]> {
  return store.read(async (db) => {
    let query = db.selectFrom('projects').select(['name', 'public', 'created_at']);
    if (scope !== 'all') {
      const { username, projects = [] } = scope;
      query = query.where((eb) =>
        eb.or([
          eb('public', '=', 1),
          ...(projects.length > 0 ? [eb('name', 'in', projects)] : []),
          ...(username !== undefined
            ? [eb('name', 'in', memberProjects(db, username).select('pm.project'))]
            : []),
        ]),
      );
    }
    const rows = await query.orderBy('name').execute();
    return rows.map(toProject);
  });
}

/** Changes a project's visibility; the updated row, or undefined when there is no such project. */
export async function updateProject(
  store: StoreDatabase,
  name: string,
  change: { public: boolean; now: number },
): Promise<ProjectRow | undefined> {
  await store.writeOne((db) =>
    db
      .updateTable('projects')
      .set({ public: change.public ? 1 : 0, updated_at: change.now })
      .where('name', '=', name)
      .execute(),
  );
  return selectProject(store, name);
}

/**
 * Deletes a project with its memberships and robots: `deleted`, `unknown`, or `not-empty` while a repository
 * of the project still holds a manifest or a blob.
 */
export function deleteProject(
  store: StoreDatabase,
  name: string,
): Promise<'deleted' | 'unknown' | 'not-empty'> {
  return store.transaction(async (trx) => {
    const row = await lockProject(store, trx, name);
    if (!row) return 'unknown';
    if (await holdsRepositories(trx, name)) return 'not-empty';
    await trx.deleteFrom('project_members').where('project', '=', name).execute();
    // Its robots go with it: a project created later under the same name starts with none.
    await trx.deleteFrom('robots').where('project', '=', name).execute();
    await trx.deleteFrom('projects').where('name', '=', name).execute();
    return 'deleted';
  });
}

/**
 * Sets a member's role and classifications (creating the membership or replacing it):
 * `unknown-project`, `unknown-member` (no such user, or no such group), or `set`.
 */
export function upsertMember(
  store: StoreDatabase,
  member: {
    project: string;
    kind: 'user' | 'group';
    name: string;
    role: string;
    classifications: string[];
    now: number;
  },
): Promise<'set' | 'unknown-project' | 'unknown-member'> {
  return store.transaction(async (trx) => {
    if (!(await lockProject(store, trx, member.project))) return 'unknown-project';
    const memberId = await memberIdOf(trx, member.kind, member.name);
    if (memberId === undefined) return 'unknown-member';
    const classifications = JSON.stringify(member.classifications);
    await trx
      .insertInto('project_members')
      .values({
        project: member.project,
        member_kind: member.kind,
        member_id: memberId,
        role: member.role,
        classifications,
        created_at: member.now,
        updated_at: member.now,
      })
      .onConflict((oc) =>
        oc
          .columns(['project', 'member_kind', 'member_id'])
          .doUpdateSet({ role: member.role, classifications, updated_at: member.now }),
      )
      .execute();
    return 'set';
  });
}

/** Removes a membership; false when there was none. */
export function deleteMember(
  store: StoreDatabase,
  member: { project: string; kind: 'user' | 'group'; name: string },
): Promise<boolean> {
  return store.transaction(async (trx) => {
    const memberId = await memberIdOf(trx, member.kind, member.name);
    if (memberId === undefined) return false;
    const result = await trx
      .deleteFrom('project_members')
      .where('project', '=', member.project)
      .where('member_kind', '=', member.kind)
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

/** A project's members, users then groups, each in name order. */
export function selectMembers(store: StoreDatabase, project: string): Promise<MemberRow[]> {
  return store.read(async (db) => {
    const users = await db
      .selectFrom('project_members as pm')
      .innerJoin('users as u', 'u.id', 'pm.member_id')
      .select(['u.username as name', 'pm.role', 'pm.classifications'])
      .where('pm.project', '=', project)
      .where('pm.member_kind', '=', 'user')
      .orderBy('u.username')
      .execute();
    const groups = await db
      .selectFrom('project_members as pm')
      .select(['pm.member_id as name', 'pm.role', 'pm.classifications'])
      .where('pm.project', '=', project)
      .where('pm.member_kind', '=', 'group')
      .orderBy('pm.member_id')
      .execute();
    return [
      ...users.map((row) => toMember('user', row)),
      ...groups.map((row) => toMember('group', row)),
    ];
  });
}

/**
 * The roles an enabled user holds in a project: its own membership and those of its groups.
 */
export function selectGrants(
  store: StoreDatabase,
  project: string,
  username: string,
): Promise<GrantRow[]> {
  return store.read(async (db) => {
    const rows = await memberProjects(db, username)
      .select(['pm.role', 'pm.classifications'])
      .where('pm.project', '=', project)
      .execute();
    return rows.map((row) => ({ role: row.role, classifications: parseList(row.classifications) }));
  });
}

/**
 * Creates the group when it is new and replaces its members with `usernames`: `set`, or the
 * first username that names no user.
 */
export function replaceGroupMembers(
  store: StoreDatabase,
  group: string,
  usernames: string[],
  now: number,
): Promise<{ unknownUser: string } | 'set'> {
  return store.transaction(async (trx) => {
    const users =
      usernames.length === 0
        ? []
        : await trx
            .selectFrom('users')
            .select(['id', 'username'])
            .where('username', 'in', usernames)
            .execute();
    const known = new Set(users.map((user) => user.username));
    const unknownUser = usernames.find((name) => !known.has(name));
    if (unknownUser !== undefined) return { unknownUser };
    await trx
      .insertInto('groups')
      .values({ name: group, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await trx.deleteFrom('group_members').where('group_name', '=', group).execute();
    if (users.length > 0) {
      await trx
        .insertInto('group_members')
        .values(users.map((user) => ({ group_name: group, user_id: user.id })))
        .execute();
    }
    return 'set';
  });
}

/** Every group with its members' usernames, in name order. */
export function selectGroups(store: StoreDatabase): Promise<{ name: string; members: string[] }[]> {
  return store.read(async (db) => {
    const groups = await db.selectFrom('groups').select('name').orderBy('name').execute();
    const members = await db
      .selectFrom('group_members as gm')
      .innerJoin('users as u', 'u.id', 'gm.user_id')
      .select(['gm.group_name', 'u.username'])
      .orderBy('u.username')
      .execute();
    const byGroup = new Map(groups.map((group) => [group.name, [] as string[]]));
    for (const row of members) byGroup.get(row.group_name)?.push(row.username);
    return [...byGroup].map(([name, list]) => ({ name, members: list }));
  });
}

/** Memberships (as `pm`) that reach an enabled user, directly or through a group. */
function memberProjects(db: MetadataDb, username: string) {
  const userId = db
    .selectFrom('users')
    .select('id')
    .where('username', '=', username)
    .where('disabled', '=', 0);
  return db
    .selectFrom('project_members as pm')
    .where((eb) =>
      eb.or([
        eb.and([eb('pm.member_kind', '=', 'user'), eb('pm.member_id', 'in', userId)]),
        eb.and([
          eb('pm.member_kind', '=', 'group'),
          eb(
            'pm.member_id',
            'in',
            db.selectFrom('group_members').select('group_name').where('user_id', 'in', userId),
          ),
        ]),
      ]),
    );
}

/** The project row, locked against a concurrent delete on PostgreSQL (SQLite's writer is alone). */
function lockProject(store: StoreDatabase, trx: MetadataDb, name: string) {
  return trx
    .selectFrom('projects')
    .select('name')
    .where('name', '=', name)
    .$if(store.engine === 'postgres', (qb) => qb.forUpdate())
    .executeTakeFirst();
}

async function memberIdOf(
  db: MetadataDb,
  kind: 'user' | 'group',
  name: string,
): Promise<string | undefined> {
  if (kind === 'group') {
    const row = await db
      .selectFrom('groups')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.name;
  }
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('username', '=', name)
    .executeTakeFirst();
  return row?.id;
}

/** True while a repository `<project>/…` (or `<project>` itself) holds a manifest or a blob. */
async function holdsRepositories(db: MetadataDb, project: string): Promise<boolean> {
  // substr rather than LIKE: `_` is a wildcard there, and a collation may not order bytes.
  const prefix = `${project}/`;
  const inProject = (column: 'manifests.repository' | 'repository_blobs.repository') =>
    sql<boolean>`(${sql.ref(column)} = ${project} or substr(${sql.ref(column)}, 1, ${prefix.length}) = ${prefix})`;
  const manifest = await db
    .selectFrom('manifests')
    .select('manifests.digest')
    .where(inProject('manifests.repository'))
    .limit(1)
    .executeTakeFirst();
  if (manifest) return true;
  const blob = await db
    .selectFrom('repository_blobs')
    .select('repository_blobs.digest')
    .where(inProject('repository_blobs.repository'))
    .limit(1)
    .executeTakeFirst();
  return blob !== undefined;
}

function toProject(row: { name: string; public: number; created_at: number | string }): ProjectRow {
  return {
    name: row.name,
    public: row.public === 1,
    createdAt: new Date(toNumber(row.created_at)),
  };
}

function toMember(
  kind: 'user' | 'group',
  row: { name: string; role: string; classifications: string },
): MemberRow {
  return { kind, name: row.name, role: row.role, classifications: parseList(row.classifications) };
}

/** A JSON array of strings from the database (anything else reads as empty). */
function parseList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string')
      : [];
  } catch {
    return [];
  }
}
