/**
 * {@link createProjects}: projects, groups and memberships over `store/access/projects.ts`. Every
 * change is authorised here (through the {@link Authorizer} over this same service) and recorded
 * in the audit log, refused attempts included.
 */
import * as store from '../../store/access/projects.js';
import type { StoreDatabase } from '../../store/metadata/database.js';
import { AuthError } from '../errors.js';
import { auditActorOf } from '../credentials/context.js';
import {
  projectRoles,
  type AuditOutcome,
  type AuditRecorder,
  type ClientInfo,
  type Principal,
  type ProjectRole,
} from '../model.js';
import type { Identity, MemberInfo, ProjectInfo, Projects } from '../services.js';
import { createAuthorizer } from './authorizer.js';
import {
  checkClassifications,
  checkProjectName,
  checkSimpleName,
  maxGroupMembers,
} from './names.js';
import { strongerRole } from './permissions.js';

/** What {@link createProjects} needs. */
export interface ProjectsOptions {
  database: StoreDatabase;
  /** Users are resolved in the database by name; the service is part of the factory's shape. */
  identity?: Pick<Identity, 'getUser'>;
  audit: AuditRecorder;
  /** The clock (milliseconds), for tests. */
  now?: () => number;
}

/**
 * The {@link Projects} service.
 * @example
 * const projects = createProjects({ database: stores.database, identity, audit });
 * await projects.createProject(admin, { name: 'team', public: false }, { ip: '127.0.0.1' });
 */
export function createProjects(options: ProjectsOptions): Projects {
  const { database, audit } = options;
  const now = options.now ?? Date.now;
  const record = (
    actor: Principal,
    client: ClientInfo,
    action: string,
    target: string,
    outcome: AuditOutcome,
    details?: Record<string, string | number | boolean | null>,
  ) =>
    audit.record({
      // The operator on the box (`moat admin …`) is recorded as `system`.
      ...auditActorOf(actor),
      clientIp: client.ip,
      action,
      target,
      outcome,
      ...(details ? { details } : {}),
    });
  /** Runs `check`; a refusal is audited as `denied` before it is thrown. */
  const authorised = async (
    check: () => Promise<void> | void,
    audited: { actor: Principal; client: ClientInfo; action: string; target: string },
  ) => {
    try {
      await check();
    } catch (error) {
      record(audited.actor, audited.client, audited.action, audited.target, 'denied');
      throw error;
    }
  };

  const projects: Projects = {
    async createProject(actor, input, client) {
      const name = checkProjectName(input.name);
      const audited = { actor, client, action: 'project.create', target: `project:${name}` };
      await authorised(() => authorizer.requireSystemAdmin(actor), audited);
      const createdAt = now();
      if (!(await store.insertProject(database, { name, public: input.public, now: createdAt }))) {
        record(actor, client, audited.action, audited.target, 'failure', { reason: 'exists' });
        throw new AuthError('CONFLICT', `project ${name} exists`);
      }
      record(actor, client, audited.action, audited.target, 'success', { public: input.public });
      return { name, public: input.public, createdAt: new Date(createdAt) };
    },

    async getProject(name) {
      return store.selectProject(database, name);
    },

    async listProjects(principal) {
      if (principal.kind === 'user' && principal.mustEnrolTwoFactor !== true) {
        return principal.systemAdmin === true
          ? store.selectProjects(database, 'all')
          : store.selectProjects(database, { username: principal.name });
      }
      if (principal.kind === 'robot') {
        const named = principal.permissions.map((permission) => permission.project);
        // A system robot with `*` acts in every project; a project robot only in its own.
        const everywhere = named.includes('*') && !principal.name.includes('+');
        return store.selectProjects(database, everywhere ? 'all' : { projects: named });
      }
      return store.selectProjects(database, {});
    },

    async updateProject(actor, name, change, client) {
      const audited = { actor, client, action: 'project.update', target: `project:${name}` };
      await authorised(() => authorizer.require(actor, name, 'project:update'), audited);
      const current = await projectOrNotFound(name);
      const updated =
        change.public === undefined
          ? current
          : await store.updateProject(database, name, { public: change.public, now: now() });
      if (!updated) throw notFound(name);
      record(actor, client, audited.action, audited.target, 'success', { public: updated.public });
      return updated;
    },

    async deleteProject(actor, name, client) {
      const audited = { actor, client, action: 'project.delete', target: `project:${name}` };
      await authorised(() => authorizer.require(actor, name, 'project:delete'), audited);
      const outcome = await store.deleteProject(database, name);
      if (outcome === 'unknown') throw notFound(name);
      if (outcome === 'not-empty') {
        record(actor, client, audited.action, audited.target, 'failure', { reason: 'not empty' });
        throw new AuthError('CONFLICT', `project ${name} still holds repositories`);
      }
      record(actor, client, audited.action, audited.target, 'success');
    },

    async setMember(actor, project, member, client) {
      const name = memberName(member);
      const role = checkRole(member.role);
      const classifications = checkClassifications(member.classifications ?? []);
      const audited = { actor, client, action: 'member.set', target: `project:${project}` };
      await authorised(() => authorizer.require(actor, project, 'member:write'), audited);
      const outcome = await store.upsertMember(database, {
        project,
        kind: member.kind,
        name,
        role,
        classifications,
        now: now(),
      });
      if (outcome === 'unknown-project') throw notFound(project);
      if (outcome === 'unknown-member') {
        throw new AuthError('NOT_FOUND', `no ${member.kind} of that name`);
      }
      record(actor, client, audited.action, audited.target, 'success', {
        member: `${member.kind}:${name}`,
        role,
        classifications: classifications.join(','),
      });
      return { project, kind: member.kind, name, role, classifications };
    },

    async removeMember(actor, project, member, client) {
      const name = memberName(member);
      const audited = { actor, client, action: 'member.remove', target: `project:${project}` };
      await authorised(() => authorizer.require(actor, project, 'member:write'), audited);
      if (!(await store.deleteMember(database, { project, kind: member.kind, name }))) {
        throw new AuthError('NOT_FOUND', `that ${member.kind} is not a member of ${project}`);
      }
      record(actor, client, audited.action, audited.target, 'success', {
        member: `${member.kind}:${name}`,
      });
    },

    async listMembers(project) {
      await projectOrNotFound(project);
      const rows = await store.selectMembers(database, project);
      return rows.flatMap((row): MemberInfo[] =>
        isRole(row.role) ? [{ project, ...row, role: row.role }] : [],
      );
    },

    async setGroupMembers(actor, group, usernames, client) {
      checkSimpleName(group, 'group name');
      if (usernames.length > maxGroupMembers) {
        throw new AuthError('INVALID_REQUEST', `a group has at most ${maxGroupMembers} members`);
      }
      for (const username of usernames) checkSimpleName(username, 'username');
      const members = [...new Set(usernames)].sort();
      const audited = { actor, client, action: 'group.update', target: `group:${group}` };
      await authorised(() => authorizer.requireSystemAdmin(actor), audited);
      const outcome = await store.replaceGroupMembers(database, group, members, now());
      if (outcome !== 'set') throw new AuthError('NOT_FOUND', 'a listed user does not exist');
      record(actor, client, audited.action, audited.target, 'success', {
        members: members.join(','),
      });
    },

    listGroups() {
      return store.selectGroups(database);
    },

    async membership(principal, project) {
      if (principal.kind !== 'user') return undefined;
      const grants = await store.selectGrants(database, project, principal.name);
      let role: ProjectRole | undefined;
      const classifications = new Set<string>();
      for (const grant of grants) {
        if (!isRole(grant.role)) continue;
        role = role === undefined ? grant.role : strongerRole(role, grant.role);
        for (const classification of grant.classifications) classifications.add(classification);
      }
      return role === undefined
        ? undefined
        : { role, classifications: [...classifications].sort() };
    },
  };

  const authorizer = createAuthorizer({ projects });

  async function projectOrNotFound(name: string): Promise<ProjectInfo> {
    const project = await store.selectProject(database, name);
    if (!project) throw notFound(name);
    return project;
  }

  return projects;
}

function memberName(member: { kind: 'user' | 'group'; name: string }): string {
  return checkSimpleName(member.name, member.kind === 'user' ? 'username' : 'group name');
}

function checkRole(role: string): ProjectRole {
  if (!isRole(role)) {
    throw new AuthError('INVALID_REQUEST', `a role is one of ${projectRoles.join(', ')}`);
  }
  return role;
}

function isRole(value: string): value is ProjectRole {
  return (projectRoles as readonly string[]).includes(value);
}

function notFound(project: string): AuthError {
  return new AuthError('NOT_FOUND', `no project ${project}`);
}
