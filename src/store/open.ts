/**
 * Opens both stores behind `moat serve` from configuration: the metadata store (SQLite or
 * PostgreSQL, migrated) and the blob store (filesystem or S3). On the embedded default the data
 * directory `D` holds `D/moat.db` and `D/blobs/`.
 */
import type { BlobStore, BlobStoreConfig, MetadataStore, MetadataStoreConfig } from './types.js';
import { openBlobStore } from './blobs/open.js';
import type { StoreDatabase } from './metadata/database.js';
import { openMetadataStore } from './metadata/open.js';

/** The two stores, opened together and closed together. */
export interface OpenStores {
  meta: MetadataStore;
  /** The metadata store's database, shared with the access-control tables (`store/access/`). */
  database: StoreDatabase;
  blobs: BlobStore;
  /** Closes both stores (each even when the other fails to close). */
  close(): Promise<void>;
}

/**
 * Opens the metadata store (running its migrations) and the blob store; when the second fails,
 * the first is closed again before the error is thrown.
 *
 * @example
 * const stores = await openStores({
 *   metadata: { kind: 'sqlite', path: join(dataDir, 'moat.db') },
 *   blobs: { kind: 'fs', root: join(dataDir, 'blobs') },
 * });
 */
export async function openStores(config: {
  metadata: MetadataStoreConfig;
  blobs: BlobStoreConfig;
}): Promise<OpenStores> {
  const meta = await openMetadataStore(config.metadata);
  let blobs: BlobStore;
  try {
    blobs = await openBlobStore(config.blobs);
  } catch (error) {
    await meta.close().catch(() => undefined);
    throw error;
  }
  return {
    meta,
    database: meta.database,
    blobs,
    async close() {
      const results = await Promise.allSettled([blobs.close(), meta.close()]);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
    },
  };
}
