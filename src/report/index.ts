/**
 * The report stage's entry: renders an {@link Inventory} in one of the SBOM formats `moat sbom`
 * offers, or a scan in one of the formats `moat scan` offers. Every renderer is a pure function from the inventory to a string; `renderInventory`
 * and `renderScan` pick one by format name and load only that one.
 */
export { isSbomFormat, sbomFormats, type SbomFormat } from './formats.js';
export { renderInventory, renderScan } from './render.js';

export type { RenderOptions } from './render-options.js';
export {
  isScanFormat,
  scanFormats,
  type ScanFormat,
  type VulnerabilityReportInput,
} from './vulnerabilities-input.js';
export { buildScanReport, renderScanJson, reportVulnerability } from './vulnerabilities-json.js';
export { renderScanTable } from './vulnerabilities-table.js';
export { renderScanCycloneDx } from './vulnerabilities-cyclonedx.js';
export { buildSarif, renderSarif, securitySeverity } from './sarif.js';
export { countBySeverity, sortedFindings } from './vulnerabilities-order.js';
export { renderCycloneDx } from './cyclonedx.js';
export { buildSpdxDocument, renderSpdx, type SpdxDocument, type SpdxPackage } from './spdx.js';
export { buildReport, renderJson, reportSchemaVersion } from './json.js';
export {
  reportSchema,
  reportPackageSchema,
  reportArtifactSchema,
  reportVulnerabilitySchema,
  type Report,
  type ReportVulnerability,
  type ReportPackage,
} from './report-schema.js';
export { renderTable } from './table.js';
export { normalizeSpdxExpression } from './license-expression.js';
