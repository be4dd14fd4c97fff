/**
 * The vulnerability database: OSV records in a versioned SQLite file, imported from OSV
 * sources, updated over HTTP, and exchanged as signed bundles. See README.md.
 */
export { exportBundle, importBundle } from './bundle.js';
export type { BundleHeader } from './bundle-format.js';
export { defaultCacheDir, vulnDbPath } from '../util/cache-paths.js';
export {
  VulnDb,
  affectedEntriesFor,
  openVulnDb,
  type OpenVulnDbOptions,
  type SourceInfo,
  type VulnDbStatus,
} from './database.js';
export {
  ecosystemFamily,
  isKnownEcosystem,
  knownEcosystemFamilies,
  normalizePackageName,
} from './ecosystems.js';
export {
  importOsv,
  type ImportOptions,
  type ImportProgress,
  type ImportSource,
  type ImportSummary,
} from './import.js';
export { generateBundleKeyPair, keyIdOf, type BundleKeyPair } from './keys.js';
export { defaultVulnDbLimits, type VulnDbLimits } from './limits.js';
export {
  osvRecordSchema,
  parseOsvRecord,
  type OsvAffected,
  type OsvEvent,
  type OsvRange,
  type OsvRecord,
} from './osv.js';
export { SCHEMA_VERSION } from './schema.js';
export {
  defaultOsvEcosystems,
  defaultUpdateSources,
  updateDb,
  type UpdateResult,
  type UpdateSource,
} from './update.js';
