/**
 * A scan's results in `artifact_scans`: its documents (inventory, findings), summary, matched
 * database version and signed referrers. The documents are gzip JSON; this module stores and
 * returns the bytes as they are, the (de)compression lives in `jobs/`. The rows and their states
 * are in `scans.ts`.
 */
import type { StoreDatabase } from '../metadata/database.js';

import { updateScan } from './scans.js';

/** The stored documents of a scan. */
export interface ScanDocuments {
  inventory: Buffer;
  findings: Buffer;
}

/** The documents of a `done` scan. */
export async function getScanDocuments(
  database: StoreDatabase,
  digest: string,
): Promise<ScanDocuments | undefined> {
  const row = await database.read((db) =>
    db
      .selectFrom('artifact_scans')
      .select(['inventory', 'findings'])
      .where('digest', '=', digest)
      .where('state', '=', 'done')
      .executeTakeFirst(),
  );
  if (!row?.inventory || !row.findings) return undefined;
  return { inventory: Buffer.from(row.inventory), findings: Buffer.from(row.findings) };
}

/** Stores a finished scan's documents and summary (`done`). */
export async function finishScan(
  database: StoreDatabase,
  digest: string,
  result: ScanDocuments & {
    summary: string;
    dbVersion: string;
    referrers?: { sbom: string; report: string };
  },
  now: number,
): Promise<void> {
  await updateScan(database, digest, (update) =>
    update.set({
      state: 'done',
      error: null,
      inventory: result.inventory,
      findings: result.findings,
      summary: result.summary,
      db_version: result.dbVersion,
      ...(result.referrers
        ? { sbom_referrer: result.referrers.sbom, report_referrer: result.referrers.report }
        : {}),
      updated_at: now,
      scanned_at: now,
    }),
  );
}

/** Records the digests of the signed SBOM and report referrers. */
export async function setScanReferrers(
  database: StoreDatabase,
  digest: string,
  referrers: { sbom?: string; report?: string },
  now: number,
): Promise<void> {
  await updateScan(database, digest, (update) =>
    update.set({
      ...(referrers.sbom !== undefined ? { sbom_referrer: referrers.sbom } : {}),
      ...(referrers.report !== undefined ? { report_referrer: referrers.report } : {}),
      updated_at: now,
    }),
  );
}

/** Up to `limit` done scans, in digest order after `after`, not matched against `dbVersion`. */
export async function listStaleScans(
  database: StoreDatabase,
  dbVersion: string,
  page: { after: string; limit: number },
): Promise<{ digest: string; repository: string; inventory: Buffer; findings: Buffer }[]> {
  const rows = await database.read((db) =>
    db
      .selectFrom('artifact_scans')
      .select(['digest', 'repository', 'inventory', 'findings'])
      .where('state', '=', 'done')
      .where((eb) => eb.or([eb('db_version', 'is', null), eb('db_version', '<>', dbVersion)]))
      .where('digest', '>', page.after)
      .orderBy('digest')
      .limit(page.limit)
      .execute(),
  );
  return rows.flatMap((row) =>
    row.inventory && row.findings
      ? [
          {
            digest: row.digest,
            repository: row.repository,
            inventory: Buffer.from(row.inventory),
            findings: Buffer.from(row.findings),
          },
        ]
      : [],
  );
}

/** Replaces a done scan's findings after a re-match (the inventory stays). */
export async function updateScanFindings(
  database: StoreDatabase,
  digest: string,
  result: { findings: Buffer; summary: string; dbVersion: string },
  now: number,
): Promise<boolean> {
  return updateScan(database, digest, (update) =>
    update
      .set({
        findings: result.findings,
        summary: result.summary,
        db_version: result.dbVersion,
        updated_at: now,
      })
      .where('state', '=', 'done'),
  );
}
