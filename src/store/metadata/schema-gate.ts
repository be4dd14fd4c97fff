/**
 * The compliance gate's tables (migration `0003_gate`): stored scans per manifest digest, the
 * policy each project carries, the last decision per project and digest, and proxy projects
 * (pull-through caches of an upstream registry). JSON documents are text; the large scan
 * documents (inventory, findings) are gzip-compressed JSON in binary columns.
 */
import type { ColumnType } from 'kysely';

type BigIntColumn = ColumnType<number | string, number, number>;
type NullableBigInt = ColumnType<number | string | null, number | null, number | null>;

/** Where a manifest's scan stands. */
export type ScanState = 'pending' | 'running' | 'done' | 'failed' | 'not_applicable';

interface ArtifactScansTable {
  /** The manifest (or index) digest: one scan per digest, whichever repositories hold it. */
  digest: string;
  /** A repository that holds the manifest (where its blobs are read from). */
  repository: string;
  state: ScanState;
  /** Attempts made so far. */
  attempts: number;
  /** One line, for `failed`. */
  error: string | null;
  /** gzip of the Inventory JSON (the SBOM's source), once scanned. */
  inventory: Buffer | null;
  /** gzip of `{ findings, ignored, warnings, eol }` as matched against `db_version`. */
  findings: Buffer | null;
  /** JSON counts by severity of the findings. */
  summary: string | null;
  /** Which vulnerability database the findings came from (its build time and hash). */
  db_version: string | null;
  /** Digests of the SBOM and vulnerability-report referrers Moat attached and signed. */
  sbom_referrer: string | null;
  report_referrer: string | null;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
  scanned_at: NullableBigInt;
}

interface ProjectPoliciesTable {
  project: string;
  /** The policy document as JSON. */
  document: string;
  /** The compiled policy's hash (`CompiledPolicy.hash`). */
  hash: string;
  updated_at: BigIntColumn;
  updated_by: string;
}

interface GateDecisionsTable {
  project: string;
  digest: string;
  policy_hash: string;
  /** 0 or 1. */
  allowed: number;
  /** The `Decision` as JSON. */
  decision: string;
  evaluated_at: BigIntColumn;
}

interface ProxyProjectsTable {
  project: string;
  /** The upstream registry's base URL (`https://registry-1.docker.io`, `http://127.0.0.1:5001`). */
  url: string;
  /** Id in `secrets` of the sealed upstream credentials, or null for anonymous access. */
  credentials_secret: string | null;
  created_at: BigIntColumn;
}

/** The gate's tables. */
export interface GateTables {
  artifact_scans: ArtifactScansTable;
  project_policies: ProjectPoliciesTable;
  gate_decisions: GateDecisionsTable;
  proxy_projects: ProxyProjectsTable;
}
