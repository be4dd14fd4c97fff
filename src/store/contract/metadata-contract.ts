/**
 * The metadata store's contract: one suite of vitest `describe` blocks that every
 * {@link MetadataStore} implementation passes (SQLite and PostgreSQL run it from
 * `store/metadata/*.test.ts`). The sections live in `contract/metadata/`.
 */
import { describe } from 'vitest';

import type { MetadataStore } from '../types.js';
import { blobRecordContract } from './metadata/blobs.js';
import { gcContract } from './metadata/gc.js';
import { listingContract } from './metadata/listing.js';
import { manifestContract } from './metadata/manifests.js';
import { sessionAndSettingContract } from './metadata/sessions.js';

/**
 * Defines the whole metadata contract for one implementation; `open` must return a fresh, empty,
 * migrated store on every call (the suite closes it).
 * @example metadataContract('sqlite', () => openMetadataStore({ kind: 'sqlite', path: tempFile() }));
 */
export function metadataContract(name: string, open: () => Promise<MetadataStore>): void {
  describe(`metadata store contract: ${name}`, () => {
    blobRecordContract(open);
    manifestContract(open);
    listingContract(open);
    gcContract(open);
    sessionAndSettingContract(open);
  });
}
