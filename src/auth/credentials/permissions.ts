/**
 * A robot's permission list: `{project, actions}` entries with actions from the permission matrix
 * (`ProjectAction`). A project robot's entries name its own project only; a system robot's name
 * projects or `*` (every project). Entries on one project are merged, actions kept once each in
 * the matrix's order.
 */
import { AuthError } from '../errors.js';
import { projectActions, type ProjectAction, type RobotPermission } from '../model.js';
import { isProjectName } from '../projects/names.js';

/** Most entries in one robot's list. */
const maxEntries = 32;
/** The project of an entry that covers every project (system robots only). */
const everyProject = '*';

/**
 * Validates and normalises a permission list for a robot of `robotProject` (undefined: a system
 * robot); throws `INVALID_REQUEST` naming what is wrong.
 */
export function checkPermissions(
  permissions: readonly RobotPermission[],
  robotProject: string | undefined,
): RobotPermission[] {
  if (!isList(permissions) || permissions.length === 0 || permissions.length > maxEntries) {
    throw new AuthError('INVALID_REQUEST', `permissions: 1 to ${maxEntries} entries`);
  }
  const byProject = new Map<string, Set<ProjectAction>>();
  for (const permission of permissions) {
    const project = permission.project;
    if (robotProject !== undefined && project !== robotProject) {
      throw new AuthError(
        'INVALID_REQUEST',
        `permissions: a robot of project ${robotProject} acts only in that project`,
      );
    }
    if (project !== everyProject && !isProjectName(project)) {
      throw new AuthError('INVALID_REQUEST', 'permissions: not a valid project name');
    }
    if (
      !isList(permission.actions) ||
      permission.actions.length === 0 ||
      permission.actions.length > projectActions.length
    ) {
      throw new AuthError('INVALID_REQUEST', 'permissions: each entry needs 1 or more actions');
    }
    const actions = byProject.get(project) ?? new Set<ProjectAction>();
    for (const action of permission.actions) {
      if (!projectActions.includes(action)) {
        throw new AuthError(
          'INVALID_REQUEST',
          `permissions: unknown action (one of ${projectActions.join(', ')})`,
        );
      }
      actions.add(action);
    }
    byProject.set(project, actions);
  }
  return [...byProject].map(([project, actions]) => ({
    project,
    actions: projectActions.filter((action) => actions.has(action)),
  }));
}

/**
 * A stored permission list; anything unexpected in it (an edited row) is dropped, and a project
 * robot keeps only entries of its own project.
 */
export function parsePermissions(
  stored: string,
  robotProject: string | undefined,
): RobotPermission[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const permissions: RobotPermission[] = [];
  for (const entry of parsed as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { project, actions } = entry as { project?: unknown; actions?: unknown };
    if (typeof project !== 'string' || !Array.isArray(actions)) continue;
    if (
      robotProject !== undefined
        ? project !== robotProject
        : project !== everyProject && !isProjectName(project)
    ) {
      continue;
    }
    permissions.push({
      project,
      actions: projectActions.filter((action) => (actions as unknown[]).includes(action)),
    });
  }
  return permissions;
}

/** `Array.isArray` without narrowing a typed list to `any[]` (the input may come from the CLI). */
export function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}
