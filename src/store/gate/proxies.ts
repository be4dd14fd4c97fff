/**
 * Queries of `proxy_projects`: which projects are pull-through caches, of which upstream, with
 * which sealed credentials (an id in `secrets`; the plaintext never reaches this file).
 */
import type { StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** A proxy project as stored. */
export interface ProxyProjectRow {
  project: string;
  /** The upstream registry's base URL, as validated at creation. */
  url: string;
  /** Id in `secrets` of the sealed upstream credentials, when there are some. */
  credentialsSecret?: string;
  createdAt: Date;
}

/** Records a proxy project; false when the project already has a proxy row. */
export async function insertProxyProject(
  database: StoreDatabase,
  row: { project: string; url: string; credentialsSecret?: string; now: number },
): Promise<boolean> {
  const result = await database.writeOne((db) =>
    db
      .insertInto('proxy_projects')
      .values({
        project: row.project,
        url: row.url,
        credentials_secret: row.credentialsSecret ?? null,
        created_at: row.now,
      })
      .onConflict((oc) => oc.column('project').doNothing())
      .executeTakeFirst(),
  );
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The proxy row of `project`, or undefined when it is an ordinary project (or unknown). */
export function selectProxyProject(
  database: StoreDatabase,
  project: string,
): Promise<ProxyProjectRow | undefined> {
  return database.read(async (db) => {
    const row = await db
      .selectFrom('proxy_projects')
      .selectAll()
      .where('project', '=', project)
      .executeTakeFirst();
    return row && toRow(row);
  });
}

/** The proxy rows of the named projects (for listings). */
export function selectProxyProjects(
  database: StoreDatabase,
  projects: readonly string[],
): Promise<ProxyProjectRow[]> {
  if (projects.length === 0) return Promise.resolve([]);
  return database.read(async (db) => {
    const rows = await db
      .selectFrom('proxy_projects')
      .selectAll()
      .where('project', 'in', [...projects])
      .execute();
    return rows.map(toRow);
  });
}

/** Removes the proxy row of `project`; resolves to the row removed, if any. */
export async function deleteProxyProject(
  database: StoreDatabase,
  project: string,
): Promise<ProxyProjectRow | undefined> {
  const row = await selectProxyProject(database, project);
  if (row === undefined) return undefined;
  await database.writeOne((db) =>
    db.deleteFrom('proxy_projects').where('project', '=', project).execute(),
  );
  return row;
}

function toRow(row: {
  project: string;
  url: string;
  credentials_secret: string | null;
  created_at: number | string;
}): ProxyProjectRow {
  return {
    project: row.project,
    url: row.url,
    ...(row.credentials_secret !== null ? { credentialsSecret: row.credentials_secret } : {}),
    createdAt: new Date(toNumber(row.created_at)),
  };
}
