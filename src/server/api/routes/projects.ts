/**
 * `/api/v1/projects` and `/api/v1/groups`: projects (create, list, read, change visibility,
 * delete), their members — users and groups, each with a role and granted classifications — and
 * groups of users. The services authorise and audit every change; reads are authorised here.
 */
import { z } from 'zod';

import { AuthError } from '../../../auth/errors.js';
import { projectRoles } from '../../../auth/model.js';
import type { Authorizer, MemberInfo, ProjectInfo, Projects } from '../../../auth/services.js';
import { parseUpstreamUrl, proxySettingsSchema, type ProxyProjects } from '../../proxy/upstream.js';
import { apiRoute, type ApiCaller, type ApiRoute } from '../types.js';

// Lengths only: the grammars are the services' (`auth/projects/names.ts`), which answer
// INVALID_REQUEST for a name they refuse.
const name = z.string().min(1).max(64);
const projectParams = z.strictObject({ project: name });
const userParams = z.strictObject({ project: name, user: name });
const groupParams = z.strictObject({ project: name, group: name });

const projectView = z.object({
  name: z.string(),
  public: z.boolean(),
  createdAt: z.string(),
  /** A proxy project's upstream: the URL only, never the credentials. */
  proxy: z.object({ url: z.string() }).optional(),
});
const memberView = z.object({
  kind: z.enum(['user', 'group']),
  name: z.string(),
  role: z.enum(projectRoles),
  classifications: z.array(z.string()),
});
const memberBody = z.strictObject({
  role: z.enum(projectRoles),
  classifications: z.array(z.string().max(64)).max(16).optional(),
});

/**
 * The project, member and group routes.
 * @example registerApi(app, { routes: [...projectRoutes({ projects, authorizer })], identity, credentials, version });
 */
export function projectRoutes(services: {
  projects: Projects;
  authorizer: Authorizer;
  /** Proxy projects (absent: `proxy` is refused at creation). */
  proxies?: ProxyProjects;
}): ApiRoute[] {
  const { projects, authorizer, proxies } = services;
  return [
    apiRoute({
      method: 'POST',
      path: '/projects',
      summary:
        'Create a project (system administrators); with `proxy`, a pull-through cache of an upstream registry whose credentials are stored sealed and never returned',
      tag: 'projects',
      auth: 'user',
      body: z.strictObject({
        name,
        public: z.boolean().default(false),
        proxy: proxySettingsSchema.optional(),
      }),
      response: projectView,
      status: 201,
      async handler({ body, caller, client }) {
        const { proxy, ...input } = body;
        if (proxy === undefined) {
          return projectOf(await projects.createProject(principal(caller), input, client));
        }
        if (proxies === undefined) {
          throw new AuthError('INVALID_REQUEST', 'this server has no proxy projects');
        }
        parseUpstreamUrl(proxy.url);
        const info = await projects.createProject(principal(caller), input, client);
        try {
          const { url } = await proxies.attach(info.name, proxy);
          return projectOf(info, url);
        } catch (error) {
          await projects.deleteProject(principal(caller), info.name, client).catch(() => undefined);
          throw error;
        }
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/projects',
      summary: 'The projects the caller may see',
      tag: 'projects',
      auth: 'user',
      response: z.object({ projects: z.array(projectView) }),
      async handler({ caller }) {
        const list = await projects.listProjects(principal(caller));
        const urls =
          (await proxies?.urlsOf(list.map((info) => info.name))) ?? new Map<string, string>();
        return { projects: list.map((info) => projectOf(info, urls.get(info.name))) };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/projects/{project}',
      summary: 'One project',
      tag: 'projects',
      auth: 'user',
      params: projectParams,
      response: projectView,
      async handler({ params, caller }) {
        await authorizer.require(principal(caller), params.project, 'project:read');
        const info = await existing(projects, params.project);
        return projectOf(info, await proxies?.urlOf(info.name));
      },
    }),
    apiRoute({
      method: 'PATCH',
      path: '/projects/{project}',
      summary: 'Make a project public or private (project administrators)',
      tag: 'projects',
      auth: 'user',
      params: projectParams,
      body: z.strictObject({ public: z.boolean().optional() }),
      response: projectView,
      async handler({ params, body, caller, client }) {
        const change = body.public === undefined ? {} : { public: body.public };
        const info = await projects.updateProject(
          principal(caller),
          params.project,
          change,
          client,
        );
        return projectOf(info, await proxies?.urlOf(info.name));
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/projects/{project}',
      summary: 'Delete a project that holds no repository (project administrators)',
      tag: 'projects',
      auth: 'user',
      params: projectParams,
      status: 204,
      async handler({ params, caller, client }) {
        await projects.deleteProject(principal(caller), params.project, client);
        await proxies?.detach(params.project);
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/projects/{project}/members',
      summary: "A project's members: users and groups with their roles and classifications",
      tag: 'projects',
      auth: 'user',
      params: projectParams,
      response: z.object({ members: z.array(memberView) }),
      async handler({ params, caller }) {
        await authorizer.require(principal(caller), params.project, 'member:read');
        return { members: (await projects.listMembers(params.project)).map(memberOf) };
      },
    }),
    apiRoute({
      method: 'PUT',
      path: '/projects/{project}/members/{user}',
      summary: "Set a user's role and classifications in a project (project administrators)",
      tag: 'projects',
      auth: 'user',
      params: userParams,
      body: memberBody,
      response: memberView,
      async handler({ params, body, caller, client }) {
        const member = { kind: 'user' as const, name: params.user, ...body };
        return memberOf(
          await projects.setMember(principal(caller), params.project, member, client),
        );
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/projects/{project}/members/{user}',
      summary: 'Remove a user from a project (project administrators)',
      tag: 'projects',
      auth: 'user',
      params: userParams,
      status: 204,
      async handler({ params, caller, client }) {
        const member = { kind: 'user' as const, name: params.user };
        await projects.removeMember(principal(caller), params.project, member, client);
      },
    }),
    apiRoute({
      method: 'PUT',
      path: '/projects/{project}/groups/{group}',
      summary: "Set a group's role and classifications in a project (project administrators)",
      tag: 'projects',
      auth: 'user',
      params: groupParams,
      body: memberBody,
      response: memberView,
      async handler({ params, body, caller, client }) {
        const member = { kind: 'group' as const, name: params.group, ...body };
        return memberOf(
          await projects.setMember(principal(caller), params.project, member, client),
        );
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/projects/{project}/groups/{group}',
      summary: 'Remove a group from a project (project administrators)',
      tag: 'projects',
      auth: 'user',
      params: groupParams,
      status: 204,
      async handler({ params, caller, client }) {
        const member = { kind: 'group' as const, name: params.group };
        await projects.removeMember(principal(caller), params.project, member, client);
      },
    }),
    apiRoute({
      method: 'PUT',
      path: '/groups/{group}',
      summary: 'Create a group or replace its members (system administrators)',
      tag: 'projects',
      auth: 'user',
      params: z.strictObject({ group: name }),
      body: z.strictObject({ members: z.array(name).max(1000) }),
      response: z.object({ name: z.string(), members: z.array(z.string()) }),
      async handler({ params, body, caller, client }) {
        await projects.setGroupMembers(principal(caller), params.group, body.members, client);
        const members = [...new Set(body.members)].sort();
        return { name: params.group, members };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/groups',
      summary: 'Every group with its members (system administrators)',
      tag: 'projects',
      auth: 'user',
      response: z.object({
        groups: z.array(z.object({ name: z.string(), members: z.array(z.string()) })),
      }),
      async handler({ caller }) {
        authorizer.requireSystemAdmin(principal(caller));
        return { groups: await projects.listGroups() };
      },
    }),
  ];
}

function principal(caller: ApiCaller | undefined): ApiCaller['principal'] {
  if (!caller) throw new AuthError('UNAUTHENTICATED', 'authentication required');
  return caller.principal;
}

async function existing(projects: Projects, project: string): Promise<ProjectInfo> {
  const info = await projects.getProject(project);
  if (!info) throw new AuthError('NOT_FOUND', `no project ${project}`);
  return info;
}

function projectOf(info: ProjectInfo, proxyUrl?: string): z.infer<typeof projectView> {
  return {
    name: info.name,
    public: info.public,
    createdAt: info.createdAt.toISOString(),
    ...(proxyUrl !== undefined ? { proxy: { url: proxyUrl } } : {}),
  };
}

function memberOf(info: MemberInfo): z.infer<typeof memberView> {
  return {
    kind: info.kind,
    name: info.name,
    role: info.role,
    classifications: info.classifications,
  };
}
