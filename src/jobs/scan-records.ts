/**
 * Stored scan rows as the {@link ScanService} answers them: the record (state, counts, database,
 * referrers) and, for a done scan, its documents unpacked from gzip JSON.
 */
import type { Inventory } from '../catalog/types.js';
import type { Severity } from '../match/index.js';
import type { ScanRecord, StoredScan } from '../server/gate-types.js';
import type { ScanRow } from '../store/gate/scans.js';
import type { ScanDocuments } from '../store/gate/scan-results.js';
import { unpackJson, type MatchedFindings } from './scan-pipeline.js';

/** The job id of a digest's scan (BullMQ ids may not contain `:`). */
export function scanJobId(digest: string): string {
  return `scan-${digest.replace(':', '-')}`;
}

/** A row as a {@link ScanRecord}. */
export function recordOf(row: ScanRow): ScanRecord {
  return {
    digest: row.digest,
    repository: row.repository,
    state: row.state,
    attempts: row.attempts,
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.summary !== null
      ? { summary: JSON.parse(row.summary) as Record<Severity, number> }
      : {}),
    ...(row.dbVersion !== null ? { dbVersion: row.dbVersion } : {}),
    ...(row.scannedAt !== null ? { scannedAt: new Date(row.scannedAt).toISOString() } : {}),
    ...(row.sbomReferrer !== null ? { sbomReferrer: row.sbomReferrer } : {}),
    ...(row.reportReferrer !== null ? { reportReferrer: row.reportReferrer } : {}),
  };
}

/** A done row with its documents as a {@link StoredScan}. */
export async function storedScanOf(row: ScanRow, documents: ScanDocuments): Promise<StoredScan> {
  const inventory = await unpackJson<Inventory>(documents.inventory);
  const matched = await unpackJson<MatchedFindings>(documents.findings);
  return {
    ...recordOf(row),
    inventory,
    findings: matched.findings,
    ignored: matched.ignored,
    warnings: matched.warnings,
    ...(matched.eol !== undefined ? { eol: matched.eol } : {}),
  };
}
