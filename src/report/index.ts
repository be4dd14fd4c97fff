/**
 * The report stage's entry: renders an {@link Inventory} in one of the SBOM formats `moat sbom`
 * offers, or a scan in one of the formats `moat scan` offers. Every renderer is a pure function from the inventory to a string.
 */
import type { Inventory } from '../catalog/types.js';
import { MoatError } from '../errors.js';
import { sbomFormats, type SbomFormat } from './formats.js';
import { renderCycloneDx } from './cyclonedx.js';
import { renderJson } from './json.js';
import type { RenderOptions } from './render-options.js';
import { renderSpdx } from './spdx.js';
import { renderTable } from './table.js';
import { renderSarif } from './sarif.js';
import { renderScanCycloneDx } from './vulnerabilities-cyclonedx.js';
import {
  scanFormats,
  type ScanFormat,
  type VulnerabilityReportInput,
} from './vulnerabilities-input.js';
import { renderScanJson } from './vulnerabilities-json.js';
import { renderScanTable } from './vulnerabilities-table.js';

export { isSbomFormat, sbomFormats, type SbomFormat } from './formats.js';

/**
 * Renders an inventory as an SBOM document or table.
 * @example renderInventory(inventory, 'cyclonedx-json', { toolVersion: '0.1.0' })
 */
export function renderInventory(
  inventory: Inventory,
  format: SbomFormat,
  options: RenderOptions = {},
): string {
  switch (format) {
    case 'cyclonedx-json':
      return renderCycloneDx(inventory, options);
    case 'spdx-json':
      return renderSpdx(inventory, options);
    case 'json':
      return renderJson(inventory);
    case 'table':
      return renderTable(inventory);
    default:
      // Reached only when a caller bypasses the type, e.g. with an unchecked CLI string.
      throw new MoatError(
        'USAGE',
        `unknown SBOM format "${String(format)}"; expected one of ${sbomFormats.join(', ')}`,
      );
  }
}

/**
 * Renders a scan (inventory, findings, findings left out) in one of the `moat scan` formats.
 * @example renderScan({ inventory, findings }, 'sarif', { toolVersion: '0.1.0' })
 */
export function renderScan(
  input: VulnerabilityReportInput,
  format: ScanFormat,
  options: RenderOptions = {},
): string {
  switch (format) {
    case 'table':
      return renderScanTable(input);
    case 'json':
      return renderScanJson(input);
    case 'sarif':
      return renderSarif(input, options);
    case 'cyclonedx-json':
      return renderScanCycloneDx(input, options);
    default:
      throw new MoatError(
        'USAGE',
        `unknown scan format "${String(format)}"; expected one of ${scanFormats.join(', ')}`,
      );
  }
}

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
