/**
 * The authorisation decision of the access model: {@link createAuthorizer} applies the permission
 * matrix (`permissions.ts`) to a principal in a project.
 *
 * - A user who must still enrol a second factor may do nothing.
 * - A personal access token's scopes cap its user, system administrators included.
 * - System administrators may do everything, in every project and outside any.
 * - A repository outside any project (its first path component names no project) is for system
 *   administrators only: pushing there does not create a project.
 * - In a public project anyone, anonymous included, may read the project, list and pull.
 * - Robots may do exactly their explicit permissions (a project robot only in its project).
 * - Users may do what their strongest role (own membership or a group's) allows.
 */
import { AuthError } from '../errors.js';
import type { Principal, ProjectAction, RobotPermission } from '../model.js';
import type { RequestedScope } from '../scope.js';
import type { RepositoryAction } from '../types.js';
import type { Authorizer, Projects } from '../services.js';
import { requiredClassifications } from './classification.js';
import { isProjectName } from './names.js';
import { actionsOfScopes, publicProjectActions, roleAllows } from './permissions.js';

const repositoryActions = ['pull', 'push', 'delete'] as const;

/**
 * The {@link Authorizer} over the projects and memberships of `projects`.
 * @example
 * const authorizer = createAuthorizer({ projects });
 * await authorizer.can(principal, 'team', 'push');
 */
export function createAuthorizer(options: {
  projects: Pick<Projects, 'getProject' | 'membership'>;
}): Authorizer {
  const { projects } = options;

  /** Whether the principal may do each of `actions` in `project`, with as few queries as possible. */
  async function allowed(
    principal: Principal,
    project: string,
    actions: readonly ProjectAction[],
  ): Promise<Set<ProjectAction>> {
    let wanted = actions.filter((action) => withinCap(principal, action));
    if (wanted.length === 0) return new Set();
    if (isSystemAdmin(principal)) return new Set(wanted);
    if (!isProjectName(project)) return new Set();
    const info = await projects.getProject(project);
    if (!info) return new Set();
    const granted = new Set<ProjectAction>();
    if (info.public) {
      for (const action of wanted) if (publicProjectActions.has(action)) granted.add(action);
      wanted = wanted.filter((action) => !granted.has(action));
    }
    if (wanted.length === 0) return granted;
    if (principal.kind === 'robot') {
      for (const action of wanted) {
        if (robotAllows(principal.name, principal.permissions, project, action))
          granted.add(action);
      }
    } else if (principal.kind === 'user' && principal.mustEnrolTwoFactor !== true) {
      const membership = await projects.membership(principal, project);
      if (membership) {
        for (const action of wanted) if (roleAllows(membership.role, action)) granted.add(action);
      }
    }
    return granted;
  }

  const authorizer: Authorizer = {
    async can(principal, project, action) {
      return (await allowed(principal, project, [action])).has(action);
    },

    async require(principal, project, action) {
      if (!(await authorizer.can(principal, project, action))) {
        throw new AuthError('ACCESS_DENIED', `${action} is not allowed in project ${project}`);
      }
    },

    requireSystemAdmin(principal) {
      if (!isSystemAdmin(principal)) {
        throw new AuthError('ACCESS_DENIED', 'only a system administrator may do this');
      }
    },

    async decide(principal, scope): Promise<RequestedScope> {
      if (scope.type === 'registry') {
        // The catalog lists every repository, so it is for system administrators alone.
        const may = isSystemAdmin(principal) && withinCap(principal, 'pull');
        return { ...scope, actions: may ? scope.actions : [] };
      }
      if (scope.actions.length === 0) return { ...scope, actions: [] };
      const project = projectOf(scope.name);
      const granted = await allowed(principal, project, repositoryActions);
      const actions: (RepositoryAction | '*')[] = [];
      for (const action of scope.actions) {
        // `*` is every action (Distribution's reading): kept whole when all are granted,
        // otherwise narrowed to those that are.
        const expanded = action === '*' ? repositoryActions : [action];
        if (action === '*' && expanded.every((a) => granted.has(a))) actions.push('*');
        else for (const a of expanded) if (granted.has(a) && !actions.includes(a)) actions.push(a);
      }
      return { ...scope, actions };
    },

    async missingClassification(principal, project, labels) {
      const required = requiredClassifications(labels);
      if (required.length === 0 || isSystemAdmin(principal)) return undefined;
      const membership =
        principal.kind === 'user' && principal.mustEnrolTwoFactor !== true
          ? await projects.membership(principal, project)
          : undefined;
      const granted = new Set(membership?.classifications ?? []);
      return required.find((classification) => !granted.has(classification));
    },
  };
  return authorizer;
}

/** The project of a repository: its first path component. */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash === -1 ? repository : repository.slice(0, slash);
}

function isSystemAdmin(principal: Principal): boolean {
  return (
    principal.kind === 'user' &&
    principal.systemAdmin === true &&
    principal.mustEnrolTwoFactor !== true
  );
}

/** False when the principal's personal access token does not reach `action`. */
function withinCap(principal: Principal, action: ProjectAction): boolean {
  if (principal.kind === 'user' && principal.mustEnrolTwoFactor === true) return false;
  if (principal.kind !== 'user' || principal.tokenScopes === undefined) return true;
  return actionsOfScopes(principal.tokenScopes).has(action);
}

/**
 * A robot's explicit permissions: an entry for the project, or `*` for a system robot. A project
 * robot (`robot$<project>+<name>`) is held to its own project whatever its list says.
 */
function robotAllows(
  name: string,
  permissions: readonly RobotPermission[],
  project: string,
  action: ProjectAction,
): boolean {
  const plus = name.indexOf('+');
  if (plus !== -1 && name.slice('robot$'.length, plus) !== project) return false;
  return permissions.some(
    (permission) =>
      (permission.project === project || (permission.project === '*' && plus === -1)) &&
      permission.actions.includes(action),
  );
}
