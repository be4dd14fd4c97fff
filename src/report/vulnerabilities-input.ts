/**
 * What every vulnerability report renders — the scanned inventory, the findings kept and those
 * left out — and the names of the formats `moat scan --format` offers (kept apart from the
 * renderers so the CLI can validate `--format` without loading them).
 */
import type { Inventory } from '../catalog/types.js';
import type { IgnoredFinding } from '../filter/types.js';
import type { EolStatus } from '../match/eol.js';
import type { Finding } from '../match/types.js';

/** Every format `moat scan --format` accepts, in the order help text lists them. */
export const scanFormats = ['table', 'json', 'sarif', 'cyclonedx-json', 'cosign-vuln'] as const;

/** A format `moat scan --format` accepts. */
export type ScanFormat = (typeof scanFormats)[number];

/** True when `value` names a scan format. */
export function isScanFormat(value: string): value is ScanFormat {
  return (scanFormats as readonly string[]).includes(value);
}

/** The input of every vulnerability report. */
export interface VulnerabilityReportInput {
  inventory: Inventory;
  /** Findings left after the filters. */
  findings: readonly Finding[];
  /** Findings left out; CycloneDX lists those a VEX document suppressed, with its analysis. */
  ignored?: readonly IgnoredFinding[];
  /** Warnings beyond the inventory's own (database, matching, expired ignore entries). */
  warnings?: readonly string[];
  /** End of life of the image's distribution release, when known. */
  eol?: EolStatus;
  /** When the scan started and finished (ISO 8601), for formats that record it (`cosign-vuln`). */
  scannedAt?: { startedOn: string; finishedOn: string };
  /** The vulnerability database the scan used, for formats that name it (`cosign-vuln`). */
  database?: { uri: string; version: string };
}
