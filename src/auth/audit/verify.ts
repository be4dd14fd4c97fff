/**
 * Verifying the chain from its first entry to the head in settings, page by page. The first
 * entry that is wrong is named with the reason: missing (deleted), altered (its hash no longer
 * matches its fields), out of place (its previous hash is not the entry before it: reordered,
 * replaced or inserted), or past the head / short of the head at the end.
 */
import { auditHeadSetting, readAuditRows } from '../../store/access/audit.js';
import { readSetting } from '../../store/access/secrets.js';
import type { StoreDatabase } from '../../store/metadata/database.js';
import type { AuditVerification } from '../services.js';
import { entryHash, parseHead } from './chain.js';

const pageSize = 500;

/** Walks the whole chain. */
export async function verifyChain(
  database: StoreDatabase,
  chainKey: Buffer,
): Promise<AuditVerification> {
  let expected = 1;
  let prevHash = '';
  const bad = (firstBadSeq: number, reason: string): AuditVerification => ({
    ok: false,
    entries: expected - 1,
    firstBadSeq,
    reason,
  });
  for (;;) {
    // The first page has no lower bound, so that a row numbered 0 or less is seen too.
    const after = expected === 1 ? {} : { afterSeq: expected - 1 };
    const rows = await readAuditRows(database, after, pageSize);
    for (const row of rows) {
      if (row.seq < expected) {
        return bad(row.seq, `entry ${row.seq} is before the start of the chain (inserted)`);
      }
      if (row.seq !== expected) {
        return bad(expected, `entry ${expected} is missing (deleted, or its number changed)`);
      }
      if (entryHash(chainKey, row) !== row.hash) {
        return bad(row.seq, `entry ${row.seq} was altered: its hash does not match its fields`);
      }
      if (row.prevHash !== prevHash) {
        return bad(
          row.seq,
          `entry ${row.seq} does not follow entry ${row.seq - 1}: reordered, replaced or inserted`,
        );
      }
      prevHash = row.hash;
      expected += 1;
    }
    if (rows.length < pageSize) break;
  }
  const count = expected - 1;
  const headText = await database.read((db) => readSetting(db, auditHeadSetting));
  const head = parseHead(headText);
  if (head === undefined) {
    if (count === 0 && headText === undefined) return { ok: true, entries: 0 };
    return bad(count + 1, `the chain head (settings ${auditHeadSetting}) is missing or malformed`);
  }
  if (head.seq > count) {
    return bad(count + 1, `entries ${count + 1} to ${head.seq} are missing (deleted from the end)`);
  }
  if (head.seq < count) {
    return bad(head.seq + 1, `entry ${head.seq + 1} is past the chain head (inserted)`);
  }
  if (head.hash !== prevHash) {
    return bad(count, `entry ${count} is not the one the chain head records (replaced)`);
  }
  return { ok: true, entries: count };
}
