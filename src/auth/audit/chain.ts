/**
 * The hash chain of the audit log, as pure functions. Each entry's hash is an HMAC-SHA-256, under
 * the chain key (kept sealed in the secret box), of a canonical encoding of every stored field
 * and the previous entry's hash: changing, removing, inserting or reordering an entry changes a
 * hash that someone with the database but without the master key cannot recompute.
 *
 * The encoding is a JSON array in a fixed order (JSON escapes every string unambiguously, so two
 * different entries never encode alike); `details` is hashed as the stored JSON text.
 */
import { createHmac } from 'node:crypto';

/** An audit entry's stored fields (as the `audit_log` row holds them). */
export interface ChainFields {
  seq: number;
  time: number;
  actor: string;
  actorKind: string;
  clientIp: string;
  action: string;
  target: string;
  outcome: string;
  /** The details' JSON text, or null. */
  details: string | null;
  prevHash: string;
}

const encodingVersion = 'moat-audit-v1';

/** The canonical bytes an entry's hash covers. */
function canonicalEncoding(fields: ChainFields): string {
  return JSON.stringify([
    encodingVersion,
    fields.seq,
    fields.time,
    fields.actor,
    fields.actorKind,
    fields.clientIp,
    fields.action,
    fields.target,
    fields.outcome,
    fields.details,
    fields.prevHash,
  ]);
}

/**
 * The hash of an entry (hex).
 * @example const hash = entryHash(chainKey, { seq: 1, prevHash: '', … });
 */
export function entryHash(chainKey: Buffer, fields: ChainFields): string {
  return createHmac('sha256', chainKey).update(canonicalEncoding(fields)).digest('hex');
}

/** The chain head kept in settings: the last entry's sequence number and hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The head's settings text, `<seq>:<hash>`. */
export function formatHead(head: ChainHead): string {
  return `${head.seq}:${head.hash}`;
}

/** Parses a head written by {@link formatHead}; undefined when it is not one. */
export function parseHead(text: string | undefined): ChainHead | undefined {
  const match = text === undefined ? null : /^(\d{1,15}):([0-9a-f]{64})$/.exec(text);
  return match ? { seq: Number(match[1]), hash: match[2] as string } : undefined;
}
