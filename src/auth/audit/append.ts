/**
 * Appending a batch of events to the chain in one transaction: under the chain lock, the next
 * sequence number and previous hash come from the chain head in settings (not from the table's
 * last row, so that entries deleted from the end leave a gap `verify` reports rather than being
 * silently overwritten), and the head moves to the batch's last entry in the same transaction.
 */
import {
  auditHeadSetting,
  insertAuditRows,
  lastAuditRow,
  lockAuditChain,
  type AuditRow,
} from '../../store/access/audit.js';
import { readSetting, writeSetting } from '../../store/access/secrets.js';
import type { StoreDatabase } from '../../store/metadata/database.js';
import { entryHash, formatHead, parseHead } from './chain.js';
import type { AuditRowFields } from './sanitize.js';

/** Appends `batch` after the current head. */
export async function appendToChain(
  database: StoreDatabase,
  chainKey: Buffer,
  batch: readonly AuditRowFields[],
): Promise<void> {
  await database.transaction(async (trx) => {
    await lockAuditChain(trx, database.engine);
    const head = parseHead(await readSetting(trx, auditHeadSetting)) ??
      (await lastAuditRow(trx)) ?? { seq: 0, hash: '' };
    const rows: AuditRow[] = [];
    let { seq, hash: prevHash } = head;
    for (const fields of batch) {
      seq += 1;
      const hash = entryHash(chainKey, { ...fields, seq, prevHash });
      rows.push({ ...fields, seq, prevHash, hash });
      prevHash = hash;
    }
    await insertAuditRows(trx, rows);
    await writeSetting(trx, auditHeadSetting, formatHead({ seq, hash: prevHash }));
  });
}
