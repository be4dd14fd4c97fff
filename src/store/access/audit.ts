/**
 * Queries of the `audit_log` table: appending a batch under the chain lock, reading pages in
 * sequence order (with the filters of `GET /api/v1/audit`) and the chain head in settings. The
 * chain itself (hashes, verification) lives in `auth/audit/`.
 */
import { sql } from 'kysely';

import type { MetadataDb, StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** One `audit_log` row as plain data. */
export interface AuditRow {
  seq: number;
  time: number;
  actor: string;
  actorKind: string;
  clientIp: string;
  action: string;
  target: string;
  outcome: string;
  details: string | null;
  prevHash: string;
  hash: string;
}

/** Filters of {@link readAuditRows}; `target` ending in `*` matches a prefix. */
export interface AuditRowFilter {
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  outcome?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  afterSeq?: number | undefined;
}

/** The settings row holding the chain head (`<seq>:<hash>`). */
export const auditHeadSetting = 'audit.head';

// An arbitrary constant: the PostgreSQL advisory lock that orders appends across processes.
const chainLockId = 0x6d6f_6174_0001;

/**
 * Serialises appends across processes until the transaction ends: PostgreSQL takes an advisory
 * transaction lock; SQLite needs nothing more, as its write transactions begin IMMEDIATE.
 */
export async function lockAuditChain(
  trx: MetadataDb,
  engine: StoreDatabase['engine'],
): Promise<void> {
  if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${chainLockId})`.execute(trx);
}

/** The last row's sequence number and hash, or undefined when the log is empty. */
export async function lastAuditRow(
  db: MetadataDb,
): Promise<{ seq: number; hash: string } | undefined> {
  const row = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { seq: toNumber(row.seq), hash: row.hash };
}

/** Inserts rows (within the caller's transaction). */
export async function insertAuditRows(trx: MetadataDb, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('audit_log')
    .values(
      rows.map((row) => ({
        seq: row.seq,
        time: row.time,
        actor: row.actor,
        actor_kind: row.actorKind,
        client_ip: row.clientIp,
        action: row.action,
        target: row.target,
        outcome: row.outcome,
        details: row.details,
        prev_hash: row.prevHash,
        hash: row.hash,
      })),
    )
    .execute();
}

/** Up to `limit` rows matching `filter`, in sequence order. */
export async function readAuditRows(
  database: StoreDatabase,
  filter: AuditRowFilter,
  limit: number,
): Promise<AuditRow[]> {
  const rows = await database.read((db) => {
    let query = db.selectFrom('audit_log').selectAll();
    if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
    if (filter.target !== undefined) {
      if (filter.target.endsWith('*')) {
        const prefix = filter.target.slice(0, -1);
        // Both engines count code points in substr.
        const length = [...prefix].length;
        query = query.where(sql<boolean>`substr(target, 1, ${length}) = ${prefix}`);
      } else {
        query = query.where('target', '=', filter.target);
      }
    }
    if (filter.since !== undefined) query = query.where('time', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('time', '<', filter.until);
    if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
    return query.orderBy('seq').limit(limit).execute();
  });
  return rows.map((row) => ({
    seq: toNumber(row.seq),
    time: toNumber(row.time),
    actor: row.actor,
    actorKind: row.actor_kind,
    clientIp: row.client_ip,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
}
