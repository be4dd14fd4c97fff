/**
 * The metadata store's tables as Kysely sees them. Times are integer milliseconds since the epoch
 * and sizes are bigints on both engines; PostgreSQL's driver returns a bigint as a string, so
 * every such column reads as `number | string` and is parsed by {@link toNumber}.
 */
import type { ColumnType } from 'kysely';

import type { AccessTables } from './schema-access.js';
import type { GateTables } from './schema-gate.js';

/** A bigint column: written as a number, read as a number (SQLite) or a string (PostgreSQL). */
type BigIntColumn = ColumnType<number | string, number, number>;

/** The state of a blob record in the GC-safety protocol (see `store/types.ts`). */
export type BlobState = 'pending' | 'present' | 'deleting';

interface RepositoriesTable {
  name: string;
  created_at: BigIntColumn;
}

interface BlobsTable {
  digest: string;
  size: BigIntColumn;
  state: BlobState;
  touched_at: BigIntColumn;
}

interface RepositoryBlobsTable {
  repository: string;
  digest: string;
}

interface ManifestsTable {
  repository: string;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  subject: string | null;
  /** The annotations as a JSON object, or null. */
  annotations: string | null;
  content: Buffer;
  size: BigIntColumn;
  created_at: BigIntColumn;
}

interface ManifestReferencesTable {
  repository: string;
  manifest_digest: string;
  digest: string;
  kind: 'blob' | 'manifest';
}

interface TagsTable {
  repository: string;
  name: string;
  digest: string;
  updated_at: BigIntColumn;
}

interface UploadsTable {
  id: string;
  repository: string;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
}

interface SettingsTable {
  key: string;
  value: string;
}

/** Every table of the metadata store. */
export interface MetadataDatabase extends AccessTables, GateTables {
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_references: ManifestReferencesTable;
  tags: TagsTable;
  uploads: UploadsTable;
  settings: SettingsTable;
}

/** A bigint column's value as a number (PostgreSQL returns bigints as strings). */
export function toNumber(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}
