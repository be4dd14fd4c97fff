/**
 * What the HTTP routes of `moat serve` are given: the stores, the access seam and the limits.
 * `server/app.ts` builds one {@link RegistryContext} from the validated configuration.
 */
import type { AuditRecorder } from '../auth/model.js';
import type { Access } from '../auth/types.js';
import type { BlobStore, MetadataStore } from '../store/types.js';
import type { GateService, ProxyService, ScanService } from './gate-types.js';

/** Limits on what clients may send (all configurable; defaults in `server/config.ts`). */
export interface RegistryLimits {
  /** Largest manifest accepted, bytes (413 `SIZE_INVALID` above it). */
  maxManifestBytes: number;
  /** Largest blob accepted, bytes. */
  maxBlobBytes: number;
  /** An upload session not used for this long expires and its data is removed, ms. */
  uploadTtlMs: number;
  /** Largest `n` honoured by tag and catalog listings (larger values are capped). */
  maxPageSize: number;
}

/** Everything a route needs. */
export interface RegistryContext {
  blobs: BlobStore;
  meta: MetadataStore;
  access: Access;
  /** Where `registry.push`, `registry.pull` and `registry.delete` are recorded. */
  audit: AuditRecorder;
  limits: RegistryLimits;
  /** Scan on push: every image manifest stored is handed to it (absent: no scanning). */
  scans?: ScanService;
  /** Registry enforcement (absent: every pull and push passes, as for the internal registry). */
  gate?: GateService;
  /** Pull-through for proxy projects. */
  proxy?: ProxyService;
}
