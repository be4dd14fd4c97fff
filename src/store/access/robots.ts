/**
 * Robot accounts (`robots`): a robot is stored with its full name (`robot$<project>+<name>` or
 * `robot$<name>`), the SHA-256 of its secret, its permissions (JSON text) and its state. The
 * service (`auth/credentials/`) decides; these are the queries.
 */
import type { StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';
import { optionalNumber } from './tokens.js';

/** A stored robot, as the service reads it. */
export interface RobotRow {
  id: string;
  name: string;
  project: string | undefined;
  description: string | undefined;
  secretHash: string;
  /** The permissions as stored (JSON text, parsed by the service). */
  permissions: string;
  disabled: boolean;
  createdAt: number;
  expiresAt: number | undefined;
  updatedAt: number;
}

/** What an update may change (absent: unchanged; `expiresAt: null`: never expires). */
export interface RobotChange {
  permissions?: string;
  disabled?: boolean;
  expiresAt?: number | null;
  secretHash?: string;
}

const columns = [
  'id',
  'name',
  'project',
  'description',
  'secret_hash',
  'permissions',
  'disabled',
  'created_at',
  'expires_at',
  'updated_at',
] as const;

/** Inserts a robot; false when one with this name exists already. */
export async function insertRobot(database: StoreDatabase, row: RobotRow): Promise<boolean> {
  const inserted = await database.writeOne((db) =>
    db
      .insertInto('robots')
      .values({
        id: row.id,
        name: row.name,
        project: row.project ?? null,
        description: row.description ?? null,
        secret_hash: row.secretHash,
        permissions: row.permissions,
        disabled: row.disabled ? 1 : 0,
        created_at: row.createdAt,
        expires_at: row.expiresAt ?? null,
        updated_at: row.updatedAt,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst(),
  );
  return inserted !== undefined;
}

/** The robot with this full name, or undefined. */
export async function findRobot(
  database: StoreDatabase,
  name: string,
): Promise<RobotRow | undefined> {
  const row = await database.read((db) =>
    db.selectFrom('robots').select(columns).where('name', '=', name).executeTakeFirst(),
  );
  return row && toRow(row);
}

/** A project's robots (`project` given) or the system robots, by name. */
export async function listRobotRows(
  database: StoreDatabase,
  project: string | undefined,
  limit: number,
): Promise<RobotRow[]> {
  const rows = await database.read((db) =>
    db
      .selectFrom('robots')
      .select(columns)
      .where('project', project === undefined ? 'is' : '=', project ?? null)
      .orderBy('name')
      .limit(limit)
      .execute(),
  );
  return rows.map(toRow);
}

/** How many robots a project (or the system level) has. */
export async function countRobots(
  database: StoreDatabase,
  project: string | undefined,
): Promise<number> {
  const row = await database.read((db) =>
    db
      .selectFrom('robots')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('project', project === undefined ? 'is' : '=', project ?? null)
      .executeTakeFirstOrThrow(),
  );
  return toNumber(row.count);
}

/** Applies `change` to the named robot; the robot as it is now, or undefined when unknown. */
export async function updateRobotRow(
  database: StoreDatabase,
  name: string,
  change: RobotChange,
  now: number,
): Promise<RobotRow | undefined> {
  const row = await database.writeOne((db) =>
    db
      .updateTable('robots')
      .set({
        updated_at: now,
        ...(change.permissions !== undefined ? { permissions: change.permissions } : {}),
        ...(change.disabled !== undefined ? { disabled: change.disabled ? 1 : 0 } : {}),
        ...(change.expiresAt !== undefined ? { expires_at: change.expiresAt } : {}),
        ...(change.secretHash !== undefined ? { secret_hash: change.secretHash } : {}),
      })
      .where('name', '=', name)
      .returning(columns)
      .executeTakeFirst(),
  );
  return row && toRow(row);
}

/** Deletes the named robot; false when unknown. */
export async function deleteRobotRow(database: StoreDatabase, name: string): Promise<boolean> {
  const result = await database.writeOne((db) =>
    db.deleteFrom('robots').where('name', '=', name).executeTakeFirst(),
  );
  return result.numDeletedRows > 0n;
}

/** True when the project exists (a project-level robot needs its project). */
export async function projectExists(database: StoreDatabase, project: string): Promise<boolean> {
  const row = await database.read((db) =>
    db.selectFrom('projects').select('name').where('name', '=', project).executeTakeFirst(),
  );
  return row !== undefined;
}

type StoredRobot = {
  id: string;
  name: string;
  project: string | null;
  description: string | null;
  secret_hash: string;
  permissions: string;
  disabled: number;
  created_at: number | string;
  expires_at: number | string | null;
  updated_at: number | string;
};

function toRow(row: StoredRobot): RobotRow {
  return {
    id: row.id,
    name: row.name,
    project: row.project ?? undefined,
    description: row.description ?? undefined,
    secretHash: row.secret_hash,
    permissions: row.permissions,
    disabled: Number(row.disabled) === 1,
    createdAt: toNumber(row.created_at),
    expiresAt: optionalNumber(row.expires_at),
    updatedAt: toNumber(row.updated_at),
  };
}
