/**
 * Explicit limits on what the vulnerability database reads: OSV records, archives of records,
 * downloads and signed bundles are all untrusted input.
 */

/** Limits applied while importing OSV data and bundles. */
export interface VulnDbLimits {
  /** Largest single OSV record (JSON or YAML), in bytes. */
  maxRecordBytes: number;
  /** Most records read in one import, over every source. */
  maxRecordsPerImport: number;
  /** Most entries in one zip of records. */
  maxZipEntries: number;
  /** Largest total uncompressed bytes read out of one zip of records. */
  maxZipBytes: number;
  /** Deepest nesting of objects and arrays in one record. */
  maxRecordDepth: number;
  /** Most YAML aliases expanded in one record (billion-laughs guard). */
  maxYamlAliases: number;
  /** Largest download of one source, in bytes. */
  maxDownloadBytes: number;
  /** Largest database a bundle may inflate to, in bytes. */
  maxBundleDbBytes: number;
  /** Largest local source file (a zip of records), in bytes, refused before it is read. */
  maxSourceBytes: number;
}

/** The limits the vulnerability database uses unless told otherwise. */
export const defaultVulnDbLimits: Readonly<VulnDbLimits> = Object.freeze({
  maxRecordBytes: 4 * 1024 * 1024,
  maxRecordsPerImport: 5_000_000,
  maxZipEntries: 2_000_000,
  maxZipBytes: 16 * 1024 ** 3,
  maxRecordDepth: 32,
  maxYamlAliases: 100,
  maxDownloadBytes: 4 * 1024 ** 3,
  maxBundleDbBytes: 32 * 1024 ** 3,
  maxSourceBytes: 8 * 1024 ** 3,
});
