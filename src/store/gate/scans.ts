/**
 * Queries of `artifact_scans`: one row per manifest digest, moved through
 * `pending → running → done | failed` by the scan jobs (or straight to `not_applicable`). This
 * module holds the rows and their states; a scan's documents and results are in
 * `scan-results.ts`.
 */
import type { ExpressionBuilder, UpdateQueryBuilder, UpdateResult } from 'kysely';

import type { StoreDatabase } from '../metadata/database.js';
import type { MetadataDatabase } from '../metadata/schema.js';
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

/** An update of `artifact_scans` as {@link updateScan} hands it out. */
type ScanUpdate = UpdateQueryBuilder<
  MetadataDatabase,
  'artifact_scans',
  'artifact_scans',
  UpdateResult
>;

/**
 * Runs the update `build` makes of `digest`'s row (its `set` and any further `where`); true when
 * it changed the row.
 */
export async function updateScan(
  database: StoreDatabase,
  digest: string,
  build: (update: ScanUpdate) => ScanUpdate,
): Promise<boolean> {
  const result = await database.writeOne((db) =>
    build(db.updateTable('artifact_scans').where('digest', '=', digest)).executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) > 0;
}

/** The row is in `state`, or `running` and not touched since `staleBefore` (its process died). */
function inStateOrStale(state: ScanState, staleBefore: number) {
  return (eb: ExpressionBuilder<MetadataDatabase, 'artifact_scans'>) =>
    eb.or([
      eb('state', '=', state),
      eb.and([eb('state', '=', 'running'), eb('updated_at', '<', staleBefore)]),
    ]);
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
  return updateScan(database, digest, (update) =>
    update
      .set((eb) => ({
        state: 'pending',
        repository,
        error: null,
        attempts: eb.case().when('state', '=', 'failed').then(0).else(eb.ref('attempts')).end(),
        updated_at: now,
      }))
      .where(inStateOrStale('failed', staleBefore)),
  );
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
  return updateScan(database, digest, (update) =>
    update
      .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), updated_at: now }))
      .where(inStateOrStale('pending', staleBefore)),
  );
}

/** Marks a running scan as alive (its holder's heartbeat). */
export async function touchScan(
  database: StoreDatabase,
  digest: string,
  now: number,
): Promise<void> {
  await updateScan(database, digest, (update) =>
    update.set({ updated_at: now }).where('state', '=', 'running'),
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
  await updateScan(database, digest, (update) =>
    update.set({ state, error, updated_at: now }).where('state', '<>', 'done'),
  );
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
