/**
 * Queries of `artifact_scans`: one row per manifest digest, moved through
 * `pending → running → done | failed` by the scan jobs (or straight to `not_applicable`). The
 * documents (inventory, findings) are gzip JSON; this module stores and returns the bytes as
 * they are, the (de)compression lives in `jobs/`.
 */
import type { StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';
import type { ScanState } from '../metadata/schema-gate.js';

/** A row without its documents. */
export interface ScanRow {
  digest: string;
  repository: string;
  state: ScanState;
  attempts: number;
  error: string | null;
  summary: string | null;
  dbVersion: string | null;
  sbomReferrer: string | null;
  reportReferrer: string | null;
  updatedAt: number;
  scannedAt: number | null;
}

/** The stored documents of a scan. */
export interface ScanDocuments {
  inventory: Buffer;
  findings: Buffer;
}

const rowColumns = [
  'digest',
  'repository',
  'state',
  'attempts',
  'error',
  'summary',
  'db_version',
  'sbom_referrer',
  'report_referrer',
  'updated_at',
  'scanned_at',
] as const;

function rowOf(row: {
  digest: string;
  repository: string;
  state: ScanState;
  attempts: number;
  error: string | null;
  summary: string | null;
  db_version: string | null;
  sbom_referrer: string | null;
  report_referrer: string | null;
  updated_at: number | string;
  scanned_at: number | string | null;
}): ScanRow {
  return {
    digest: row.digest,
    repository: row.repository,
    state: row.state,
    attempts: Number(row.attempts),
    error: row.error,
    summary: row.summary,
    dbVersion: row.db_version,
    sbomReferrer: row.sbom_referrer,
    reportReferrer: row.report_referrer,
    updatedAt: toNumber(row.updated_at),
    scannedAt: row.scanned_at === null ? null : toNumber(row.scanned_at),
  };
}

/** The scan of `digest`, without documents. */
export async function getScanRow(
  database: StoreDatabase,
  digest: string,
): Promise<ScanRow | undefined> {
  const row = await database.read((db) =>
    db
      .selectFrom('artifact_scans')
      .select(rowColumns)
      .where('digest', '=', digest)
      .executeTakeFirst(),
  );
  return row && rowOf(row);
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

/**
 * Inserts the row in `state` unless one exists; resolves to the row as it then is and whether
 * this call created it. Two processes requesting at once agree on one row.
 */
export async function insertScanIfAbsent(
  database: StoreDatabase,
  row: { digest: string; repository: string; state: ScanState; error?: string },
  now: number,
): Promise<{ row: ScanRow; created: boolean }> {
  const result = await database.writeOne((db) =>
    db
      .insertInto('artifact_scans')
      .values({
        digest: row.digest,
        repository: row.repository,
        state: row.state,
        attempts: 0,
        error: row.error ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('digest').doNothing())
      .executeTakeFirst(),
  );
  const created = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  const stored = await getScanRow(database, row.digest);
  if (!stored) throw new Error(`artifact_scans row ${row.digest} vanished`);
  return { row: stored, created };
}

/**
 * Puts a `failed` scan (its attempts start over), or a `running` one not touched since
 * `staleBefore` (its process died; its attempts count on), back to `pending` in `repository`;
 * true when it did.
 */
export async function requeueScan(
  database: StoreDatabase,
  digest: string,
  repository: string,
  staleBefore: number,
  now: number,
): Promise<boolean> {
  const result = await database.writeOne((db) =>
    db
      .updateTable('artifact_scans')
      .set((eb) => ({
        state: 'pending',
        repository,
        error: null,
        attempts: eb.case().when('state', '=', 'failed').then(0).else(eb.ref('attempts')).end(),
        updated_at: now,
      }))
      .where('digest', '=', digest)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'failed'),
          eb.and([eb('state', '=', 'running'), eb('updated_at', '<', staleBefore)]),
        ]),
      )
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Takes the scan to run it: from `pending`, or from `running` when that run is stale (not
 * touched since `staleBefore`: its process died). True when this caller now holds it.
 */
export async function claimScan(
  database: StoreDatabase,
  digest: string,
  staleBefore: number,
  now: number,
): Promise<boolean> {
  const result = await database.writeOne((db) =>
    db
      .updateTable('artifact_scans')
      .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('digest', '=', digest)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'pending'),
          eb.and([eb('state', '=', 'running'), eb('updated_at', '<', staleBefore)]),
        ]),
      )
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) > 0;
}

/** Marks a running scan as alive (its holder's heartbeat). */
export async function touchScan(
  database: StoreDatabase,
  digest: string,
  now: number,
): Promise<void> {
  await database.writeOne((db) =>
    db
      .updateTable('artifact_scans')
      .set({ updated_at: now })
      .where('digest', '=', digest)
      .where('state', '=', 'running')
      .execute(),
  );
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
  await database.writeOne((db) =>
    db
      .updateTable('artifact_scans')
      .set({
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
      })
      .where('digest', '=', digest)
      .execute(),
  );
}

/** Ends a scan in `state` (`failed`, `not_applicable`, or `pending` again for a retry). */
export async function endScan(
  database: StoreDatabase,
  digest: string,
  state: 'failed' | 'not_applicable' | 'pending',
  error: string,
  now: number,
): Promise<void> {
  await database.writeOne((db) =>
    db
      .updateTable('artifact_scans')
      .set({ state, error, updated_at: now })
      .where('digest', '=', digest)
      .where('state', '<>', 'done')
      .execute(),
  );
}

/** Records the digests of the signed SBOM and report referrers. */
export async function setScanReferrers(
  database: StoreDatabase,
  digest: string,
  referrers: { sbom?: string; report?: string },
  now: number,
): Promise<void> {
  await database.writeOne((db) =>
    db
      .updateTable('artifact_scans')
      .set({
        ...(referrers.sbom !== undefined ? { sbom_referrer: referrers.sbom } : {}),
        ...(referrers.report !== undefined ? { report_referrer: referrers.report } : {}),
        updated_at: now,
      })
      .where('digest', '=', digest)
      .execute(),
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
  const updated = await database.writeOne((db) =>
    db
      .updateTable('artifact_scans')
      .set({
        findings: result.findings,
        summary: result.summary,
        db_version: result.dbVersion,
        updated_at: now,
      })
      .where('digest', '=', digest)
      .where('state', '=', 'done')
      .executeTakeFirst(),
  );
  return Number(updated.numUpdatedRows) > 0;
}

/**
 * Up to `limit` scans left waiting or running without a sign of life since `staleBefore`: their
 * job was lost (an in-process queue at a restart, Redis unreachable at the push) or their
 * process died.
 */
export async function listAbandonedScans(
  database: StoreDatabase,
  staleBefore: number,
  limit: number,
): Promise<{ digest: string; repository: string }[]> {
  return database.read((db) =>
    db
      .selectFrom('artifact_scans')
      .select(['digest', 'repository'])
      .where('state', 'in', ['pending', 'running'])
      .where('updated_at', '<', staleBefore)
      .orderBy('updated_at')
      .limit(limit)
      .execute(),
  );
}
