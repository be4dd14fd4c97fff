/** Explicit limits on the user-supplied documents the filters read (ignore files, VEX). */

/** Limits for ignore files and VEX documents. */
export interface FilterLimits {
  /** Largest ignore file read, in bytes. */
  maxIgnoreFileBytes: number;
  /** Most entries one ignore file may hold. */
  maxIgnoreEntries: number;
  /** Largest VEX document read, in bytes. */
  maxVexBytes: number;
  /** Most statements (OpenVEX) or vulnerabilities (CycloneDX) one VEX document may hold. */
  maxVexStatements: number;
  /** Most YAML alias expansions in one ignore file (the yaml package's `maxAliasCount`). */
  maxYamlAliases: number;
  /** Longest `path` pattern of an ignore entry, in characters. */
  maxPathPatternLength: number;
}

/** The defaults: far above any hand-written file, far below what could exhaust memory. */
export const defaultFilterLimits: FilterLimits = {
  maxIgnoreFileBytes: 1024 * 1024,
  maxIgnoreEntries: 10_000,
  maxVexBytes: 32 * 1024 * 1024,
  maxVexStatements: 100_000,
  maxYamlAliases: 100,
  maxPathPatternLength: 1024,
};
