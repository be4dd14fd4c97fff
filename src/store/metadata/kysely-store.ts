/**
 * The {@link MetadataStore} over Kysely, the same code on SQLite and PostgreSQL. Each concern
 * lives in its own file (blobs, manifests, listing, gc); upload sessions and settings are small
 * enough to sit here.
 */
import type {
  BlobInfo,
  Digest,
  GcCandidates,
  ManifestRecord,
  ManifestReference,
  MetadataStore,
  Page,
  UploadSession,
} from '../types.js';
import * as blobs from './blobs.js';
import type { StoreDatabase } from './database.js';
import * as gc from './gc.js';
import * as listing from './listing.js';
import * as manifests from './manifests.js';
import { toNumber } from './schema.js';

/** A metadata store on a migrated-or-not database; `migrate` is the caller's to run. */
export class KyselyMetadataStore implements MetadataStore {
  constructor(
    private readonly store: StoreDatabase,
    private readonly runMigrations: () => Promise<void>,
  ) {}

  /** The database itself, for the stores that share it (access control: `store/access/`). */
  get database(): StoreDatabase {
    return this.store;
  }

  migrate(): Promise<void> {
    return this.runMigrations();
  }

  beginBlob(digest: Digest, staleAfterMs: number): Promise<'ok' | 'busy'> {
    return blobs.beginBlob(this.store, digest, staleAfterMs);
  }

  putBlob(repository: string, blob: BlobInfo): Promise<void> {
    return blobs.putBlob(this.store, repository, blob);
  }

  getBlob(repository: string, digest: Digest): Promise<BlobInfo | undefined> {
    return blobs.getBlob(this.store, repository, digest);
  }

  getBlobAnywhere(digest: Digest): Promise<BlobInfo | undefined> {
    return blobs.getBlobAnywhere(this.store, digest);
  }

  unlinkBlob(repository: string, digest: Digest): Promise<boolean> {
    return blobs.unlinkBlob(this.store, repository, digest);
  }

  putManifest(record: ManifestRecord, tag?: string): Promise<{ missing: ManifestReference[] }> {
    return manifests.putManifest(this.store, record, tag);
  }

  getManifest(repository: string, digest: Digest): Promise<ManifestRecord | undefined> {
    return manifests.getManifest(this.store, repository, digest);
  }

  async resolveTag(repository: string, tag: string): Promise<Digest | undefined> {
    const row = await this.store.read((db) =>
      db
        .selectFrom('tags')
        .select('digest')
        .where('repository', '=', repository)
        .where('name', '=', tag)
        .executeTakeFirst(),
    );
    return row?.digest;
  }

  deleteManifest(repository: string, digest: Digest): Promise<boolean> {
    return manifests.deleteManifest(this.store, repository, digest);
  }

  deleteUntaggedManifest(repository: string, digest: Digest): Promise<boolean> {
    return manifests.deleteUntaggedManifest(this.store, repository, digest);
  }

  async deleteTag(repository: string, tag: string): Promise<boolean> {
    const result = await this.store.writeOne((db) =>
      db
        .deleteFrom('tags')
        .where('repository', '=', repository)
        .where('name', '=', tag)
        .executeTakeFirst(),
    );
    return result.numDeletedRows > 0n;
  }

  listTags(repository: string, page: Page): Promise<string[] | undefined> {
    return listing.listTags(this.store, repository, page);
  }

  listRepositories(page: Page): Promise<string[]> {
    return listing.listRepositories(this.store, page);
  }

  listReferrers(
    repository: string,
    digest: Digest,
    artifactType?: string,
  ): Promise<ManifestRecord[]> {
    return manifests.listReferrers(this.store, repository, digest, artifactType);
  }

  async createUpload(session: UploadSession): Promise<void> {
    await this.store.writeOne((db) =>
      db
        .insertInto('uploads')
        .values({
          id: session.id,
          repository: session.repository,
          created_at: session.createdAt.getTime(),
          updated_at: session.updatedAt.getTime(),
        })
        .execute(),
    );
  }

  async getUpload(id: string): Promise<UploadSession | undefined> {
    const row = await this.store.read((db) =>
      db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return row ? uploadSession(row) : undefined;
  }

  async touchUpload(id: string): Promise<void> {
    await this.store.writeOne((db) =>
      db.updateTable('uploads').set({ updated_at: Date.now() }).where('id', '=', id).execute(),
    );
  }

  async deleteUpload(id: string): Promise<boolean> {
    const result = await this.store.writeOne((db) =>
      db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst(),
    );
    return result.numDeletedRows > 0n;
  }

  async listExpiredUploads(before: Date): Promise<UploadSession[]> {
    const rows = await this.store.read((db) =>
      db
        .selectFrom('uploads')
        .selectAll()
        .where('updated_at', '<', before.getTime())
        .orderBy('updated_at')
        .execute(),
    );
    return rows.map(uploadSession);
  }

  gcCandidates(options: { touchedBefore: Date; untagged: boolean }): Promise<GcCandidates> {
    return gc.gcCandidates(this.store, options);
  }

  claimBlobForDeletion(digest: Digest, touchedBefore: Date): Promise<boolean> {
    return gc.claimBlobForDeletion(this.store, digest, touchedBefore);
  }

  finishBlobDeletion(digest: Digest): Promise<void> {
    return gc.finishBlobDeletion(this.store, digest);
  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.store.read((db) =>
      db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst(),
    );
    return row?.value;
  }

  async putSettingIfAbsent(key: string, value: string): Promise<string> {
    await this.store.writeOne((db) =>
      db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute(),
    );
    const stored = await this.getSetting(key);
    // Settings are never deleted, so the row read back is there.
    return stored ?? value;
  }

  async close(): Promise<void> {
    await this.store.db.destroy();
  }
}

function uploadSession(row: {
  id: string;
  repository: string;
  created_at: number | string;
  updated_at: number | string;
}): UploadSession {
  return {
    id: row.id,
    repository: row.repository,
    createdAt: new Date(toNumber(row.created_at)),
    updatedAt: new Date(toNumber(row.updated_at)),
  };
}
