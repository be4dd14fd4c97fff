/**
 * Manifests: storing one with its references and tag (refusing missing references), reading one
 * back with its references, referrers by subject, and deletion.
 *
 * GC safety: the blob check in {@link putManifest} is an UPDATE of `touched_at` that requires the
 * record to be `present` and linked to the repository. On PostgreSQL it row-locks each blob, so a
 * collector's claim (one conditional UPDATE of the same row) is ordered against it: either the
 * claim comes first and the blob is reported missing, or the touch comes first and the claim's
 * re-checked condition ("untouched since the cutoff") fails.
 */
import type { Digest, ManifestRecord, ManifestReference } from '../types.js';
import { Rollback, type MetadataDb, type StoreDatabase } from './database.js';
import { toNumber } from './schema.js';

// Digests per IN list: far below SQLite's and PostgreSQL's bound-parameter limits.
const chunkSize = 500;

/**
 * Stores `record` (and points `tag` at it) in one transaction, or stores nothing and returns the
 * references that do not exist in the repository.
 */
export async function putManifest(
  store: StoreDatabase,
  record: ManifestRecord,
  tag: string | undefined,
): Promise<{ missing: ManifestReference[] }> {
  const references = uniqueReferences(record.references);
  const blobDigests = references.filter((r) => r.kind === 'blob').map((r) => r.digest);
  const manifestDigests = references.filter((r) => r.kind === 'manifest').map((r) => r.digest);
  const now = Date.now();
  return store.transaction(async (trx) => {
    const foundBlobs = await touchLinkedBlobs(trx, record.repository, blobDigests, now);
    const foundManifests = await existingManifests(store, trx, record.repository, manifestDigests);
    const missing = references.filter((r) =>
      r.kind === 'blob' ? !foundBlobs.has(r.digest) : !foundManifests.has(r.digest),
    );
    if (missing.length > 0) return new Rollback({ missing });

    await trx
      .insertInto('repositories')
      .values({ name: record.repository, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await trx
      .insertInto('manifests')
      .values({
        repository: record.repository,
        digest: record.digest,
        media_type: record.mediaType,
        artifact_type: record.artifactType ?? null,
        subject: record.subject ?? null,
        annotations: record.annotations ? JSON.stringify(record.annotations) : null,
        content: record.content,
        size: record.size,
        created_at: record.createdAt.getTime(),
      })
      // A no-op update rather than DO NOTHING: it row-locks an existing manifest, which orders
      // this push against deleteUntaggedManifest's lock on the same row (PostgreSQL).
      .onConflict((oc) =>
        oc
          .columns(['repository', 'digest'])
          .doUpdateSet((eb) => ({ digest: eb.ref('excluded.digest') })),
      )
      .execute();
    for (const chunk of chunks(references)) {
      await trx
        .insertInto('manifest_references')
        .values(
          chunk.map((r) => ({
            repository: record.repository,
            manifest_digest: record.digest,
            digest: r.digest,
            kind: r.kind,
          })),
        )
        .onConflict((oc) => oc.columns(['repository', 'manifest_digest', 'digest']).doNothing())
        .execute();
    }
    if (tag !== undefined) {
      await trx
        .insertInto('tags')
        .values({
          repository: record.repository,
          name: tag,
          digest: record.digest,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc
            .columns(['repository', 'name'])
            .doUpdateSet({ digest: record.digest, updated_at: now }),
        )
        .execute();
    }
    return { missing: [] };
  });
}

/** Touches the blobs that are `present` and linked to `repository`; returns their digests. */
async function touchLinkedBlobs(
  trx: MetadataDb,
  repository: string,
  digests: Digest[],
  now: number,
): Promise<Set<Digest>> {
  const found = new Set<Digest>();
  for (const chunk of chunks(digests)) {
    const rows = await trx
      .updateTable('blobs')
      .set({ touched_at: now })
      .where('digest', 'in', chunk)
      .where('state', '=', 'present')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('repository_blobs')
            .select('repository_blobs.digest')
            .where('repository_blobs.repository', '=', repository)
            .whereRef('repository_blobs.digest', '=', 'blobs.digest'),
        ),
      )
      .returning('digest')
      .execute();
    for (const row of rows) found.add(row.digest);
  }
  return found;
}

/** The digests among `digests` of manifests stored in `repository` (share-locked on PostgreSQL). */
async function existingManifests(
  store: StoreDatabase,
  trx: MetadataDb,
  repository: string,
  digests: Digest[],
): Promise<Set<Digest>> {
  const found = new Set<Digest>();
  for (const chunk of chunks(digests)) {
    const rows = await trx
      .selectFrom('manifests')
      .select('digest')
      .where('repository', '=', repository)
      .where('digest', 'in', chunk)
      .$if(store.engine === 'postgres', (qb) => qb.forShare())
      .execute();
    for (const row of rows) found.add(row.digest);
  }
  return found;
}

/** The manifest with its references, or undefined. */
export async function getManifest(
  store: StoreDatabase,
  repository: string,
  digest: Digest,
): Promise<ManifestRecord | undefined> {
  const records = await loadManifests(store, repository, (qb) => qb.where('digest', '=', digest));
  return records[0];
}

/** Manifests in `repository` whose subject is `digest` (of `artifactType` when given). */
export function listReferrers(
  store: StoreDatabase,
  repository: string,
  digest: Digest,
  artifactType: string | undefined,
): Promise<ManifestRecord[]> {
  return loadManifests(store, repository, (qb) =>
    qb
      .where('subject', '=', digest)
      .$if(artifactType !== undefined, (q) => q.where('artifact_type', '=', artifactType ?? ''))
      .orderBy('created_at')
      .orderBy('digest'),
  );
}

type ManifestQuery = ReturnType<typeof selectManifests>;

function selectManifests(db: MetadataDb, repository: string) {
  return db.selectFrom('manifests').selectAll().where('repository', '=', repository);
}

async function loadManifests(
  store: StoreDatabase,
  repository: string,
  narrow: (qb: ManifestQuery) => ManifestQuery,
): Promise<ManifestRecord[]> {
  return store.read(async (db) => {
    const rows = await narrow(selectManifests(db, repository)).execute();
    const referencesOf = new Map<Digest, ManifestReference[]>();
    for (const row of rows) referencesOf.set(row.digest, []);
    for (const chunk of chunks([...referencesOf.keys()])) {
      const refs = await db
        .selectFrom('manifest_references')
        .select(['manifest_digest', 'digest', 'kind'])
        .where('repository', '=', repository)
        .where('manifest_digest', 'in', chunk)
        .orderBy('manifest_digest')
        .orderBy('digest')
        .execute();
      for (const ref of refs)
        referencesOf.get(ref.manifest_digest)?.push({ digest: ref.digest, kind: ref.kind });
    }
    return rows.map((row) => ({
      repository,
      digest: row.digest,
      mediaType: row.media_type,
      ...(row.artifact_type !== null && { artifactType: row.artifact_type }),
      ...(row.subject !== null && { subject: row.subject }),
      ...(row.annotations !== null && {
        annotations: JSON.parse(row.annotations) as Record<string, string>,
      }),
      content: Buffer.from(row.content),
      size: toNumber(row.size),
      references: referencesOf.get(row.digest) ?? [],
      createdAt: new Date(toNumber(row.created_at)),
    }));
  });
}

/** Deletes the manifest, its references and every tag pointing at it; true when it existed. */
export function deleteManifest(
  store: StoreDatabase,
  repository: string,
  digest: Digest,
): Promise<boolean> {
  return store.transaction(async (trx) => {
    await trx
      .deleteFrom('tags')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .execute();
    return deleteManifestRows(trx, repository, digest);
  });
}

/** Deletes the manifest's references and its row; true when the row existed. */
async function deleteManifestRows(
  trx: MetadataDb,
  repository: string,
  digest: Digest,
): Promise<boolean> {
  await trx
    .deleteFrom('manifest_references')
    .where('repository', '=', repository)
    .where('manifest_digest', '=', digest)
    .execute();
  const result = await trx
    .deleteFrom('manifests')
    .where('repository', '=', repository)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Deletes the manifest only if — checked while holding its row — no tag points at it, no manifest
 * in the repository lists it as a child, and its subject (if any) is not stored in the repository.
 * True when deleted. A push that tags or lists the manifest at the same time either comes first
 * (and keeps it) or waits for the deletion and stores the manifest again.
 */
export function deleteUntaggedManifest(
  store: StoreDatabase,
  repository: string,
  digest: Digest,
): Promise<boolean> {
  return store.transaction(async (trx) => {
    const row = await trx
      .selectFrom('manifests')
      .select('subject')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .$if(store.engine === 'postgres', (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (!row) return false;
    const tag = await trx
      .selectFrom('tags')
      .select('name')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .limit(1)
      .executeTakeFirst();
    if (tag) return false;
    const parent = await trx
      .selectFrom('manifest_references')
      .select('manifest_digest')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .where('kind', '=', 'manifest')
      .limit(1)
      .executeTakeFirst();
    if (parent) return false;
    if (row.subject !== null) {
      const subject = await trx
        .selectFrom('manifests')
        .select('digest')
        .where('repository', '=', repository)
        .where('digest', '=', row.subject)
        .executeTakeFirst();
      if (subject) return false;
    }
    return deleteManifestRows(trx, repository, digest);
  });
}

function uniqueReferences(references: ManifestReference[]): ManifestReference[] {
  const seen = new Set<string>();
  const unique: ManifestReference[] = [];
  for (const reference of references) {
    const key = `${reference.kind} ${reference.digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(reference);
  }
  return unique;
}

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += chunkSize) yield items.slice(i, i + chunkSize);
}
