/**
 * Rendering by format name, loading only the renderer the format needs: the CycloneDX library
 * alone (with the JSON-schema validator it pulls in) costs about 80 ms and several megabytes,
 * which `--format json` or `table` should never pay.
 */
import type { Inventory } from '../catalog/types.js';
import { MoatError } from '../errors.js';
import { sbomFormats, type SbomFormat } from './formats.js';
import type { RenderOptions } from './render-options.js';
import {
  scanFormats,
  type ScanFormat,
  type VulnerabilityReportInput,
} from './vulnerabilities-input.js';

/**
 * Renders an inventory as an SBOM document or table.
 * @example await renderInventory(inventory, 'cyclonedx-json', { toolVersion: '0.1.0' })
 */
export async function renderInventory(
  inventory: Inventory,
  format: SbomFormat,
  options: RenderOptions = {},
): Promise<string> {
  switch (format) {
    case 'cyclonedx-json':
      return (await import('./cyclonedx.js')).renderCycloneDx(inventory, options);
    case 'spdx-json':
      return (await import('./spdx.js')).renderSpdx(inventory, options);
    case 'json':
      return (await import('./json.js')).renderJson(inventory);
    case 'table':
      return (await import('./table.js')).renderTable(inventory);
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
 * @example await renderScan({ inventory, findings }, 'sarif', { toolVersion: '0.1.0' })
 */
export async function renderScan(
  input: VulnerabilityReportInput,
  format: ScanFormat,
  options: RenderOptions = {},
): Promise<string> {
  switch (format) {
    case 'table':
      return (await import('./vulnerabilities-table.js')).renderScanTable(input);
    case 'json':
      return (await import('./vulnerabilities-json.js')).renderScanJson(input);
    case 'sarif':
      return (await import('./sarif.js')).renderSarif(input, options);
    case 'cyclonedx-json':
      return (await import('./vulnerabilities-cyclonedx.js')).renderScanCycloneDx(input, options);
    case 'cosign-vuln':
      return (await import('./vulnerabilities-cosign.js')).renderScanCosignVuln(input, options);
    default:
      throw new MoatError(
        'USAGE',
        `unknown scan format "${String(format)}"; expected one of ${scanFormats.join(', ')}`,
      );
  }
}
