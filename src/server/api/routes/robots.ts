/**
 * `/api/v1/projects/{project}/robots` and `/api/v1/robots`: robot accounts of a project (managed
 * by whoever holds `robot:write` there; listed with `robot:read`) and system robots (system
 * administrators only). The secret is in the answer to a creation or a rotation only. In paths a
 * robot is named by its own part (`ci` for `robot$team+ci`).
 */
import { z } from 'zod';

import { projectActions, type RobotPermission } from '../../../auth/model.js';
import type { Authorizer, Credentials, RobotInfo } from '../../../auth/services.js';
import { apiRoute, type ApiCaller, type ApiRoute } from '../types.js';
import { instant } from './tokens.js';
import { AuthError } from '../../../auth/errors.js';

const name = z
  .string()
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a-z 0-9 . _ -, starting with a letter or digit');
const project = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/, 'a project name');
const action = z.enum(projectActions);
const permissionEntry = z.strictObject({
  project: z.union([project, z.literal('*')]),
  actions: z.array(action).min(1).max(projectActions.length),
});
/** A project robot's permissions: its actions in the project, or entries naming the project. */
const projectPermissions = z.union([
  z.array(action).min(1).max(projectActions.length),
  z.array(permissionEntry).min(1).max(32),
]);
const systemPermissions = z.array(permissionEntry).min(1).max(32);

const robotView = z.object({
  id: z.uuid(),
  name: z.string(),
  project: z.string().optional(),
  description: z.string().optional(),
  permissions: z.array(z.object({ project: z.string(), actions: z.array(z.string()) })),
  disabled: z.boolean(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
});
const created = robotView.extend({ secret: z.string() });

const createFields = {
  name,
  description: z.string().max(256).optional(),
  expiresAt: instant.optional(),
};
const updateFields = {
  disabled: z.boolean().optional(),
  expiresAt: instant.nullable().optional(),
};

/**
 * The robot routes.
 * @example registerApi(app, { routes: [...robotRoutes({ credentials, authorizer })], identity, credentials, version });
 */
export function robotRoutes({
  credentials,
  authorizer,
}: {
  credentials: Credentials;
  authorizer: Authorizer;
}): ApiRoute[] {
  const projectParams = z.strictObject({ project });
  const robotParams = z.strictObject({ project, name });
  const fullName = (params: { project: string; name: string }) =>
    `robot$${params.project}+${params.name}`;

  return [
    apiRoute({
      method: 'POST',
      path: '/projects/{project}/robots',
      summary: 'Create a robot account of the project (its secret is in this answer only)',
      tag: 'robots',
      auth: 'user',
      params: projectParams,
      body: z.strictObject({ ...createFields, permissions: projectPermissions }),
      response: created,
      status: 201,
      async handler({ params, body, caller, client }) {
        const actor = userOf(caller);
        await authorizer.require(actor, params.project, 'robot:write');
        const { secret, info } = await credentials.createRobot(
          actor,
          {
            name: body.name,
            project: params.project,
            permissions: inProject(body.permissions, params.project),
            ...(body.description !== undefined ? { description: body.description } : {}),
            ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
          },
          client,
        );
        return { secret, ...viewOf(info) };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/projects/{project}/robots',
      summary: "The project's robot accounts",
      tag: 'robots',
      auth: 'user',
      params: projectParams,
      response: z.object({ robots: z.array(robotView) }),
      async handler({ params, caller }) {
        await authorizer.require(userOf(caller), params.project, 'robot:read');
        return { robots: (await credentials.listRobots(params.project)).map(viewOf) };
      },
    }),
    apiRoute({
      method: 'POST',
      path: '/projects/{project}/robots/{name}/secret',
      summary: "Rotate a project robot's secret (the old one stops working at once)",
      tag: 'robots',
      auth: 'user',
      params: robotParams,
      response: z.object({ name: z.string(), secret: z.string() }),
      async handler({ params, caller, client }) {
        const actor = userOf(caller);
        await authorizer.require(actor, params.project, 'robot:write');
        const robot = fullName(params);
        return { name: robot, ...(await credentials.rotateRobotSecret(actor, robot, client)) };
      },
    }),
    apiRoute({
      method: 'PATCH',
      path: '/projects/{project}/robots/{name}',
      summary: 'Change a project robot: permissions, disabled, expiry (null: never)',
      tag: 'robots',
      auth: 'user',
      params: robotParams,
      body: z.strictObject({ ...updateFields, permissions: projectPermissions.optional() }),
      response: robotView,
      async handler({ params, body, caller, client }) {
        const actor = userOf(caller);
        await authorizer.require(actor, params.project, 'robot:write');
        const info = await credentials.updateRobot(
          actor,
          fullName(params),
          {
            ...(body.permissions !== undefined
              ? { permissions: inProject(body.permissions, params.project) }
              : {}),
            ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
            ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
          },
          client,
        );
        return viewOf(info);
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/projects/{project}/robots/{name}',
      summary: 'Delete a project robot',
      tag: 'robots',
      auth: 'user',
      params: robotParams,
      status: 204,
      async handler({ params, caller, client }) {
        const actor = userOf(caller);
        await authorizer.require(actor, params.project, 'robot:write');
        await credentials.deleteRobot(actor, fullName(params), client);
      },
    }),
    ...systemRobotRoutes({ credentials, authorizer }),
  ];
}

/** `/robots`: system robots, for system administrators. */
function systemRobotRoutes({
  credentials,
  authorizer,
}: {
  credentials: Credentials;
  authorizer: Authorizer;
}): ApiRoute[] {
  const robotParams = z.strictObject({ name });
  const admin = (caller: ApiCaller | undefined) => {
    const actor = userOf(caller);
    authorizer.requireSystemAdmin(actor);
    return actor;
  };
  return [
    apiRoute({
      method: 'POST',
      path: '/robots',
      summary: 'Create a system robot (its secret is in this answer only)',
      tag: 'robots',
      auth: 'user',
      body: z.strictObject({ ...createFields, permissions: systemPermissions }),
      response: created,
      status: 201,
      async handler({ body, caller, client }) {
        const { secret, info } = await credentials.createRobot(
          admin(caller),
          {
            name: body.name,
            permissions: body.permissions,
            ...(body.description !== undefined ? { description: body.description } : {}),
            ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
          },
          client,
        );
        return { secret, ...viewOf(info) };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/robots',
      summary: 'The system robots',
      tag: 'robots',
      auth: 'user',
      response: z.object({ robots: z.array(robotView) }),
      async handler({ caller }) {
        admin(caller);
        return { robots: (await credentials.listRobots(undefined)).map(viewOf) };
      },
    }),
    apiRoute({
      method: 'POST',
      path: '/robots/{name}/secret',
      summary: "Rotate a system robot's secret",
      tag: 'robots',
      auth: 'user',
      params: robotParams,
      response: z.object({ name: z.string(), secret: z.string() }),
      async handler({ params, caller, client }) {
        const robot = `robot$${params.name}`;
        return {
          name: robot,
          ...(await credentials.rotateRobotSecret(admin(caller), robot, client)),
        };
      },
    }),
    apiRoute({
      method: 'PATCH',
      path: '/robots/{name}',
      summary: 'Change a system robot: permissions, disabled, expiry (null: never)',
      tag: 'robots',
      auth: 'user',
      params: robotParams,
      body: z.strictObject({ ...updateFields, permissions: systemPermissions.optional() }),
      response: robotView,
      async handler({ params, body, caller, client }) {
        const info = await credentials.updateRobot(
          admin(caller),
          `robot$${params.name}`,
          {
            ...(body.permissions !== undefined ? { permissions: body.permissions } : {}),
            ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
            ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
          },
          client,
        );
        return viewOf(info);
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/robots/{name}',
      summary: 'Delete a system robot',
      tag: 'robots',
      auth: 'user',
      params: robotParams,
      status: 204,
      async handler({ params, caller, client }) {
        await credentials.deleteRobot(admin(caller), `robot$${params.name}`, client);
      },
    }),
  ];
}

/** A project robot's permissions as entries (a bare action list means "in this project"). */
function inProject(
  permissions: z.infer<typeof projectPermissions>,
  projectName: string,
): RobotPermission[] {
  if (permissions.every((entry) => typeof entry === 'string')) {
    return [{ project: projectName, actions: permissions }];
  }
  return permissions.filter((entry) => typeof entry !== 'string');
}

function userOf(caller: ApiCaller | undefined): ApiCaller['principal'] {
  if (!caller) throw new AuthError('UNAUTHENTICATED', 'authentication required');
  return caller.principal;
}

function viewOf(info: RobotInfo): z.infer<typeof robotView> {
  return {
    id: info.id,
    name: info.name,
    ...(info.project !== undefined ? { project: info.project } : {}),
    ...(info.description !== undefined ? { description: info.description } : {}),
    permissions: info.permissions,
    disabled: info.disabled,
    createdAt: info.createdAt.toISOString(),
    ...(info.expiresAt ? { expiresAt: info.expiresAt.toISOString() } : {}),
  };
}
