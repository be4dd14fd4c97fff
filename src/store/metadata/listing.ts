/**
 * Tag and repository listings, in byte order with the distribution spec's `n`/`last` paging: at
 * most `n` names strictly after `last`. A repository is known while it holds a manifest or a blob.
 */
import type { Page } from '../types.js';
import type { MetadataDb, StoreDatabase } from './database.js';

/** Tags of `repository`, or undefined when the repository is unknown. */
export function listTags(
  store: StoreDatabase,
  repository: string,
  page: Page,
): Promise<string[] | undefined> {
  return store.read(async (db) => {
    if (!(await isKnownRepository(db, repository))) return undefined;
    if (page.n === 0) return [];
    const rows = await db
      .selectFrom('tags')
      .select('name')
      .where('repository', '=', repository)
      .$if(page.last !== undefined, (qb) => qb.where('name', '>', page.last ?? ''))
      .orderBy('name')
      .$if(page.n !== undefined, (qb) => qb.limit(page.n ?? 0))
      .execute();
    return rows.map((row) => row.name);
  });
}

/** Repositories holding at least one manifest or blob. */
export function listRepositories(store: StoreDatabase, page: Page): Promise<string[]> {
  if (page.n === 0) return Promise.resolve([]);
  return store.read(async (db) => {
    const rows = await db
      .selectFrom('repositories')
      .select('name')
      .where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('manifests')
              .select('manifests.digest')
              .whereRef('manifests.repository', '=', 'repositories.name'),
          ),
          eb.exists(
            eb
              .selectFrom('repository_blobs')
              .select('repository_blobs.digest')
              .whereRef('repository_blobs.repository', '=', 'repositories.name'),
          ),
        ]),
      )
      .$if(page.last !== undefined, (qb) => qb.where('name', '>', page.last ?? ''))
      .orderBy('name')
      .$if(page.n !== undefined, (qb) => qb.limit(page.n ?? 0))
      .execute();
    return rows.map((row) => row.name);
  });
}

async function isKnownRepository(db: MetadataDb, repository: string): Promise<boolean> {
  const manifest = await db
    .selectFrom('manifests')
    .select('digest')
    .where('repository', '=', repository)
    .limit(1)
    .executeTakeFirst();
  if (manifest) return true;
  const blob = await db
    .selectFrom('repository_blobs')
    .select('digest')
    .where('repository', '=', repository)
    .limit(1)
    .executeTakeFirst();
  return blob !== undefined;
}
