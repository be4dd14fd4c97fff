/**
 * `openAuditLog`: the {@link AuditLog} over the `audit_log` table. `record` stamps the event with
 * the time, bounds its fields and queues it; the queue appends batches to the hash chain (one
 * transaction each, serialised across processes); `query` and `entries` read it with filters;
 * `verify` walks the chain under the chain key.
 */
import { readAuditRows, type AuditRow } from '../../store/access/audit.js';
import type { StoreDatabase } from '../../store/metadata/database.js';
import type { AuditEntry, AuditEvent, SecretBox } from '../model.js';
import type { AuditLog, AuditQuery } from '../services.js';
import { appendToChain } from './append.js';
import { BatchQueue } from './batch-queue.js';
import { loadChainKey } from './chain-key.js';
import { auditRowFields, type AuditRowFields } from './sanitize.js';
import { verifyChain } from './verify.js';

/** Options of {@link openAuditLog}. */
export interface AuditLogOptions {
  database: StoreDatabase;
  /** Holds the chain key (see `chain.ts`). */
  secrets: SecretBox;
  /** Operator messages (write failures); never an event's content. */
  log?: (message: string) => void;
  now?: () => number;
  /** Longest wait before a recorded event is written, ms (50 by default). */
  flushDelayMs?: number;
  /** Events per transaction (100 by default). */
  maxBatch?: number;
}

/** The largest page {@link AuditLog.query} returns. */
export const maxAuditPage = 1000;
const exportPageSize = 500;

/**
 * Opens the audit log (loading, or on first use creating, the chain key).
 * @example
 * const audit = await openAuditLog({ database: stores.database, secrets });
 * audit.record({ actor: 'alice', actorKind: 'user', clientIp: '10.0.0.1', action: 'auth.login',
 *   target: 'user:alice', outcome: 'success' });
 * await audit.flush();
 */
export async function openAuditLog(options: AuditLogOptions): Promise<AuditLog> {
  const { database } = options;
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  const chainKey = await loadChainKey(database, options.secrets);
  const queue = new BatchQueue<AuditRowFields>({
    write: (batch) => appendToChain(database, chainKey, batch),
    log,
    maxBatch: options.maxBatch ?? 100,
    delayMs: options.flushDelayMs ?? 50,
    maxQueued: 100_000,
    retryDelayMs: 1000,
  });

  return {
    record(event: AuditEvent): void {
      try {
        queue.push(auditRowFields(event, now()));
      } catch (error) {
        log(`audit: an event could not be recorded: ${(error as Error).message}`);
      }
    },
    flush: () => queue.flush(),
    async query(filter: AuditQuery): Promise<AuditEntry[]> {
      const limit = Math.max(1, Math.min(filter.limit, maxAuditPage));
      return (await readAuditRows(database, rowFilter(filter), limit)).map(auditEntry);
    },
    async *entries(filter): AsyncIterable<AuditEntry> {
      let afterSeq = 0;
      for (;;) {
        const rows = await readAuditRows(
          database,
          { ...rowFilter(filter), afterSeq },
          exportPageSize,
        );
        for (const row of rows) yield auditEntry(row);
        if (rows.length < exportPageSize) return;
        afterSeq = (rows[rows.length - 1] as AuditRow).seq;
      }
    },
    verify: () => verifyChain(database, chainKey),
  };
}

function rowFilter(filter: Omit<AuditQuery, 'limit'>) {
  return {
    actor: filter.actor,
    action: filter.action,
    target: filter.target,
    outcome: filter.outcome,
    since: filter.since?.getTime(),
    until: filter.until?.getTime(),
    afterSeq: filter.afterSeq,
  };
}

/** A row as the API shows it. */
function auditEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    time: new Date(row.time),
    actor: row.actor,
    actorKind: row.actorKind as AuditEntry['actorKind'],
    clientIp: row.clientIp,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditEntry['outcome'],
    ...(row.details !== null ? { details: parseDetails(row.details) } : {}),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

function parseDetails(text: string): NonNullable<AuditEntry['details']> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as NonNullable<AuditEntry['details']>;
    }
  } catch {
    // Shown raw below: verify reports an edited row.
  }
  return { unparsed: text };
}
