/**
 * What the registry operations work on: the two stores and the limits. `server/context.ts`'s
 * `RegistryContext` satisfies it, so the routes pass their context straight through.
 */
import { isMoatError } from '../errors.js';
import type { BlobStore, MetadataStore } from '../store/types.js';

/** The stores and limits the registry operations need. */
export interface RegistryStores {
  blobs: BlobStore;
  meta: MetadataStore;
  limits: {
    maxBlobBytes: number;
    uploadTtlMs: number;
    maxPageSize: number;
  };
}

/** True when `error` is a Moat error with `code` (a store's answer, typically). */
export function hasCode(error: unknown, code: string): boolean {
  return isMoatError(error) && error.code === code;
}
