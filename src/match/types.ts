/**
 * Findings: what matching packages against advisories produces, and the input of every
 * vulnerability report format (table, JSON, SARIF, CycloneDX with vulnerabilities).
 */

/** How a finding stands: whether, and how, it can be fixed. */
export type FindingStatus = 'fixed' | 'affected' | 'will_not_fix' | 'fix_deferred' | 'end_of_life';

/** Severity names, as Trivy and most sources rate them. */
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

/** One CVSS vector and the score computed from it. */
export interface CvssScore {
  version: '2.0' | '3.0' | '3.1' | '4.0';
  vector: string;
  score: number;
  /** Who published the vector (the advisory's source, e.g. `nvd`, `ghsa`, `debian`). */
  source?: string;
}

/** One vulnerability affecting one installed package. */
export interface Finding {
  /** The advisory's id (OSV id: `CVE-…`, `GHSA-…`, `DSA-…`, `GO-…`). */
  id: string;
  /** Every other id the same vulnerability is known by, sorted. */
  aliases: string[];
  /** The affected package (its purl identifies it in the inventory). */
  purl: string;
  packageName: string;
  installedVersion: string;
  /** Versions that fix it, lowest first; empty when none is known. */
  fixedVersions: string[];
  status: FindingStatus;
  /** Where the status came from (e.g. `osv:Debian:12`, `vex:openvex.json`). */
  statusSource: string;
  /** The highest severity: from CVSS when a vector exists, else the source's own rating. */
  severity: Severity;
  /** The source's own rating, kept beside the CVSS-derived one. */
  sourceSeverity?: Severity;
  cvss: CvssScore[];
  title: string;
  description?: string;
  references: string[];
  /** Digest of the layer that introduced the package. */
  layerDigest?: string;
  /** Path of the file that declared the package. */
  path: string;
  /** The data source: OSV ecosystem and database (e.g. `Debian:12`, `npm`). */
  dataSource: string;
  published?: string;
  modified?: string;
}
