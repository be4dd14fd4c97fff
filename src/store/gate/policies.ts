/**
 * Queries of `project_policies` (migration `0003_gate`): the one policy document a project carries,
 * as JSON text with its compiled hash, the same statements on SQLite and PostgreSQL. Validation and
 * compilation are the caller's (`server/gate/`); every value travels as a parameter.
 */
import type { StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** A project's stored policy. */
export interface PolicyRow {
  project: string;
  /** The document as JSON text. */
  document: string;
  hash: string;
  updatedAt: Date;
  updatedBy: string;
}

/** The project's policy row, or undefined when it carries none. */
export function selectPolicy(
  store: StoreDatabase,
  project: string,
): Promise<PolicyRow | undefined> {
  return store.read(async (db) => {
    const row = await db
      .selectFrom('project_policies')
      .selectAll()
      .where('project', '=', project)
      .executeTakeFirst();
    return (
      row && {
        project: row.project,
        document: row.document,
        hash: row.hash,
        updatedAt: new Date(toNumber(row.updated_at)),
        updatedBy: row.updated_by,
      }
    );
  });
}

/** Stores (or replaces) the project's policy. */
export async function upsertPolicy(
  store: StoreDatabase,
  row: { project: string; document: string; hash: string; now: number; actor: string },
): Promise<void> {
  await store.writeOne((db) =>
    db
      .insertInto('project_policies')
      .values({
        project: row.project,
        document: row.document,
        hash: row.hash,
        updated_at: row.now,
        updated_by: row.actor,
      })
      .onConflict((oc) =>
        oc.column('project').doUpdateSet({
          document: row.document,
          hash: row.hash,
          updated_at: row.now,
          updated_by: row.actor,
        }),
      )
      .execute(),
  );
}

/** Removes the project's policy; false when it carried none. */
export async function deletePolicy(store: StoreDatabase, project: string): Promise<boolean> {
  const result = await store.writeOne((db) =>
    db.deleteFrom('project_policies').where('project', '=', project).executeTakeFirst(),
  );
  return Number(result.numDeletedRows) > 0;
}
