/**
 * Moat's library entry: the stage APIs the CLI and server are built from.
 */
export * from './errors.js';
export { defaultLimits, type Limits } from './util/limits.js';
export type * from './image/types.js';
export type * from './catalog/types.js';
export { openImage } from './open.js';
export { walkImage, type WalkResult, type WalkedFile, type FileVisitor } from './image/walker.js';
export { catalogImage, type CatalogOptions } from './catalog/inventory.js';
export { defaultAnalyzers } from './catalog/analyzers.js';
export { purlFor } from './catalog/purl.js';
export { renderInventory, sbomFormats, type SbomFormat } from './report/index.js';
export {
  compareVersions,
  ecosystemForPurlType,
  isValidVersion,
  parseVersion,
  VersionError,
  versionEcosystems,
  type VersionEcosystem,
} from './versions/index.js';
export {
  exportBundle,
  importBundle,
  importOsv,
  openVulnDb,
  updateDb,
  defaultCacheDir,
  vulnDbPath,
} from './vulndb/index.js';
