/**
 * Robot accounts: a project robot (`robot$<project>+<name>`) may act only in its project, a system
 * robot (`robot$<name>`, created by system administrators) in the projects it lists or every
 * project (`*`). A robot holds an explicit permission list, an optional expiry and a secret shown
 * once (stored as a SHA-256; rotation replaces it at once). Robots never log in to a session: they
 * are not users, so `Identity.login` cannot find them. Whether the actor may manage a project's
 * robots (`robot:write`) is the route's check through the authoriser; system robots are checked
 * here too.
 */
import { randomUUID } from 'node:crypto';

import {
  countRobots,
  deleteRobotRow,
  findRobot,
  insertRobot,
  listRobotRows,
  projectExists,
  updateRobotRow,
  type RobotChange,
  type RobotRow,
} from '../../store/access/robots.js';
import { AuthError } from '../errors.js';
import type { ClientInfo, Principal } from '../model.js';
import type { Credentials, RobotInfo } from '../services.js';
import { auditActorOf, checkExpiry, isSystemAdmin, type CredentialsContext } from './context.js';
import { checkProjectName } from '../projects/names.js';
import { checkRobotShortName, parseRobotName, robotFullName } from './names.js';
import { checkPermissions, parsePermissions } from './permissions.js';
import { generateRobotSecret, hashSecret } from './secret.js';

/** Most robots in one project (or at the system level). */
const maxRobots = 100;
const maxDescriptionLength = 256;

type RobotMethods = Pick<
  Credentials,
  'createRobot' | 'listRobots' | 'getRobot' | 'rotateRobotSecret' | 'updateRobot' | 'deleteRobot'
>;

/** The robot half of `Credentials`. */
export function robotMethods(context: CredentialsContext): RobotMethods {
  const { database, now } = context;

  /** The robot `fullName` names, once the actor may manage it. */
  const existing = async (actor: Principal, fullName: string): Promise<RobotRow> => {
    const parts = parseRobotName(fullName);
    const row = parts && (await findRobot(database, fullName));
    if (!row) throw new AuthError('NOT_FOUND', 'no such robot');
    if (row.project === undefined) requireSystemAdmin(actor);
    return row;
  };

  return {
    async createRobot(actor, input, client) {
      const name = checkRobotShortName(input.name);
      const project = input.project === undefined ? undefined : checkProjectName(input.project);
      if (project === undefined) requireSystemAdmin(actor);
      const description = checkDescription(input.description);
      const permissions = checkPermissions(input.permissions, project);
      const time = now();
      const expiresAt = checkExpiry(input.expiresAt, time);
      if (project !== undefined && !(await projectExists(database, project))) {
        throw new AuthError('NOT_FOUND', `project ${project} not found`);
      }
      if ((await countRobots(database, project)) >= maxRobots) {
        throw new AuthError('CONFLICT', `at most ${maxRobots} robots per project`);
      }
      const secret = generateRobotSecret();
      const row: RobotRow = {
        id: randomUUID(),
        name: robotFullName(name, project),
        project,
        description,
        secretHash: hashSecret(secret),
        permissions: JSON.stringify(permissions),
        disabled: false,
        createdAt: time,
        expiresAt,
        updatedAt: time,
      };
      if (!(await insertRobot(database, row))) {
        throw new AuthError('CONFLICT', `robot ${row.name} exists already`);
      }
      record(context, actor, client, 'robot.create', row.name, {
        permissions: describePermissions(row),
      });
      return { secret, info: toInfo(row) };
    },

    async listRobots(project) {
      if (project !== undefined) checkProjectName(project);
      return (await listRobotRows(database, project, maxRobots)).map(toInfo);
    },

    async getRobot(fullName) {
      if (!parseRobotName(fullName)) return undefined;
      const row = await findRobot(database, fullName);
      return row && toInfo(row);
    },

    async rotateRobotSecret(actor, fullName, client) {
      await existing(actor, fullName);
      const secret = generateRobotSecret();
      await update(fullName, { secretHash: hashSecret(secret) });
      record(context, actor, client, 'robot.rotate', fullName, {});
      return { secret };
    },

    async updateRobot(actor, fullName, change, client) {
      const row = await existing(actor, fullName);
      const stored: RobotChange = {};
      if (change.permissions !== undefined) {
        stored.permissions = JSON.stringify(checkPermissions(change.permissions, row.project));
      }
      if (change.disabled !== undefined) stored.disabled = change.disabled;
      if (change.expiresAt !== undefined) {
        stored.expiresAt =
          change.expiresAt === null ? null : (checkExpiry(change.expiresAt, now()) ?? null);
      }
      const updated = await update(fullName, stored);
      record(context, actor, client, 'robot.update', fullName, {
        ...(stored.permissions !== undefined ? { permissions: describePermissions(updated) } : {}),
        ...(stored.disabled !== undefined ? { disabled: stored.disabled } : {}),
        ...(stored.expiresAt !== undefined ? { expiresAt: stored.expiresAt } : {}),
      });
      return toInfo(updated);
    },

    async deleteRobot(actor, fullName, client) {
      await existing(actor, fullName);
      if (!(await deleteRobotRow(database, fullName))) {
        throw new AuthError('NOT_FOUND', 'no such robot');
      }
      record(context, actor, client, 'robot.delete', fullName, {});
    },
  };

  async function update(fullName: string, change: RobotChange): Promise<RobotRow> {
    const row = await updateRobotRow(database, fullName, change, now());
    // Deleted between the check and the update.
    if (!row) throw new AuthError('NOT_FOUND', 'no such robot');
    return row;
  }
}

/** The robot as the API lists it (never the secret or its hash). */
export function toInfo(row: RobotRow): RobotInfo {
  return {
    id: row.id,
    name: row.name,
    ...(row.project !== undefined ? { project: row.project } : {}),
    ...(row.description !== undefined ? { description: row.description } : {}),
    permissions: parsePermissions(row.permissions, row.project),
    disabled: row.disabled,
    createdAt: new Date(row.createdAt),
    ...(row.expiresAt !== undefined ? { expiresAt: new Date(row.expiresAt) } : {}),
  };
}

function requireSystemAdmin(actor: Principal): void {
  if (!isSystemAdmin(actor)) {
    throw new AuthError('ACCESS_DENIED', 'only system administrators manage system robots');
  }
}

function checkDescription(description: string | undefined): string | undefined {
  if (description === undefined || description === '') return undefined;
  // Printable text only: no control characters (newlines, NUL) in what lists and logs show.
  if (description.length > maxDescriptionLength || /\p{Cc}/u.test(description)) {
    throw new AuthError(
      'INVALID_REQUEST',
      `description: at most ${maxDescriptionLength} printable characters`,
    );
  }
  return description;
}

function describePermissions(row: RobotRow): string {
  return parsePermissions(row.permissions, row.project)
    .map((permission) => `${permission.project}:${permission.actions.join(',')}`)
    .join(' ');
}

function record(
  context: CredentialsContext,
  actor: Principal,
  client: ClientInfo,
  action: 'robot.create' | 'robot.rotate' | 'robot.update' | 'robot.delete',
  robot: string,
  details: Record<string, string | number | boolean | null>,
): void {
  context.audit.record({
    ...auditActorOf(actor),
    clientIp: client.ip,
    action,
    target: `robot:${robot}`,
    outcome: 'success',
    details,
  });
}
