/**
 * The permission matrix (`docs/permissions.md`): which project role may do which action, what a
 * public project grants to anyone, and what a personal access token's scopes leave a user. Pure
 * data and functions; {@link ./authorizer.ts} applies them to a principal.
 *
 * Harbor's matrix (goharbor.io, "User Permissions By Role") is monotone over these actions: each
 * needs a least role and every stronger role may do it too, so one table says it all.
 */
import { projectRoles, type ProjectAction, type ProjectRole, type TokenScope } from '../model.js';

/** The weakest role that may do each action (Harbor's row for it in the comment). */
const leastRole: Record<ProjectAction, ProjectRole> = {
  'project:read': 'limitedGuest', // See the project configurations
  'project:update': 'projectAdmin', // Edit the project configurations
  'project:delete': 'projectAdmin', // Delete Project
  'repository:list': 'limitedGuest', // See a list of repositories
  pull: 'limitedGuest', // Pull image
  push: 'developer', // Push image
  delete: 'maintainer', // Scan/delete image, Edit/delete repositories
  'scan:read': 'limitedGuest', // See a list of image vulnerabilities
  'scan:create': 'maintainer', // Scan/delete image
  'member:read': 'guest', // See a list of project members
  'member:write': 'projectAdmin', // Create/edit/delete project members
  'robot:read': 'maintainer', // See a list of project robots
  'robot:write': 'projectAdmin', // Create/edit/delete project robots
  'label:read': 'maintainer', // See a list of project labels
  'label:write': 'maintainer', // Create/edit/delete project labels
  'policy:read': 'limitedGuest', // See configured CVE allowlist
  'policy:write': 'projectAdmin', // Create/edit/remove CVE allowlist
  'audit:read': 'guest', // See a list of project logs
};

/** True when `role` may do `action` in its project. */
export function roleAllows(role: ProjectRole, action: ProjectAction): boolean {
  return projectRoles.indexOf(role) <= projectRoles.indexOf(leastRole[action]);
}

/** The stronger of two roles. */
export function strongerRole(a: ProjectRole, b: ProjectRole): ProjectRole {
  return projectRoles.indexOf(a) <= projectRoles.indexOf(b) ? a : b;
}

/** What anyone — anonymous included — may do in a project marked public. */
export const publicProjectActions: ReadonlySet<ProjectAction> = new Set<ProjectAction>([
  'project:read',
  'repository:list',
  'pull',
]);

/** Actions that only read (`api:read`); every other management action needs `api:write`. */
const readActions: readonly ProjectAction[] = [
  'project:read',
  'repository:list',
  'scan:read',
  'member:read',
  'robot:read',
  'label:read',
  'policy:read',
  'audit:read',
];
const registryActions: readonly ProjectAction[] = ['pull', 'push', 'delete'];

/** The actions each token scope leaves a user (a token without a scope leaves nothing). */
const scopeActions: Record<TokenScope, readonly ProjectAction[]> = {
  'registry:pull': ['pull'],
  'registry:push': ['push'],
  'registry:delete': ['delete'],
  'api:read': readActions,
  'api:write': (Object.keys(leastRole) as ProjectAction[]).filter(
    (action) => !readActions.includes(action) && !registryActions.includes(action),
  ),
};

/**
 * The actions a personal access token with `scopes` may ever take, whatever its user's role.
 * @example actionsOfScopes(['registry:pull']).has('push') // false
 */
export function actionsOfScopes(scopes: readonly TokenScope[]): ReadonlySet<ProjectAction> {
  const actions = new Set<ProjectAction>();
  for (const scope of scopes) for (const action of scopeActions[scope] ?? []) actions.add(action);
  return actions;
}
