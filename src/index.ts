/**
 * Moat's library entry (`import … from 'moat'`): the scan stages the CLI is built from —
 * open an image, take its inventory, match it against the vulnerability database, render the
 * result — the types of the reports `docs/report-format.md` describes, and cosign-compatible
 * signing and offline verification (`sign`, `attest`, `verify`, `signBlob`, `verifyBlob`;
 * `docs/signing.md`), and the policy gate (`loadPolicyFile`, `parsePolicy`, `evaluatePolicy`,
 * `checkImage`; `docs/policy.md`).
 * @example
 * import { catalogImage, matchInventory, openImage, openVulnDb, renderScan, vulnDbPath } from 'moat';
 * const image = await openImage('oci-archive:image.tar');
 * const inventory = await catalogImage(image);
 * await image.close();
 * const db = openVulnDb(vulnDbPath(), { readonly: true });
 * const { findings } = matchInventory(inventory, db);
 * db.close();
 * const text = await renderScan({ inventory, findings, ignored: [], warnings: [] }, 'json');
 */
export * from './errors.js';
export { defaultLimits, type Limits } from './util/limits.js';
export type * from './image/types.js';
export type * from './catalog/types.js';
export type * from './match/types.js';

// Inventory.
export { openImage } from './open.js';
export { walkImage, type WalkResult, type WalkedFile, type FileVisitor } from './image/walker.js';
export { catalogImage, type CatalogOptions } from './catalog/inventory.js';
export { defaultAnalyzers } from './catalog/analyzers.js';
export { purlFor } from './catalog/purl.js';

// Matching.
export {
  matchInventory,
  type AdvisorySource,
  type MatchOptions,
  type MatchResult,
} from './match/match.js';
export { endOfLife, type EolStatus } from './match/eol.js';
export { scanImage, type ScanOptions, type ScanResult } from './scan.js';

// Rendering, and the report types of docs/report-format.md.
export { renderInventory, renderScan } from './report/render.js';
export { sbomFormats, type SbomFormat } from './report/formats.js';
export {
  scanFormats,
  type ScanFormat,
  type VulnerabilityReportInput,
} from './report/vulnerabilities-input.js';
export type { RenderOptions } from './report/render-options.js';
export {
  reportSchema,
  type Report,
  type ReportPackage,
  type ReportSuppressed,
  type ReportVulnerability,
} from './report/report-schema.js';
export { reportSchemaVersion } from './report/json.js';

// Versions and the vulnerability database.
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

// Signatures and attestations (cosign-compatible; offline verification).
export * from './sign/index.js';

// Policies: the compliance decision (docs/policy.md).
export type * from './policy/types.js';
export { checkImage, evaluatePolicy, loadPolicyFile, parsePolicy } from './policy/index.js';
