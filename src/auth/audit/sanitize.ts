/**
 * Turning an {@link AuditEvent} into the fields stored and hashed: every text is bounded, made
 * well-formed (a lone surrogate would be stored by PostgreSQL as U+FFFD and no longer match its
 * hash) and free of NUL (which PostgreSQL text refuses); `details` become canonical JSON with
 * sorted keys. `record` never throws, so nothing here does: oversized input is cut, marked `…`.
 */
import type { AuditEvent, AuditOutcome } from '../model.js';

/** The stored fields of an event, before it is given a place in the chain. */
export interface AuditRowFields {
  time: number;
  actor: string;
  actorKind: AuditEvent['actorKind'];
  clientIp: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  details: string | null;
}

/** Upper bounds of each field, in UTF-16 code units. */
export const auditLimits = {
  actor: 256,
  clientIp: 64,
  action: 64,
  target: 1024,
  detailKeys: 32,
  detailKey: 64,
  detailValue: 1024,
} as const;

const actorKinds = new Set(['user', 'robot', 'anonymous', 'system']);
const outcomes = new Set(['success', 'failure', 'denied']);
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A text as stored: no NUL, no lone surrogate, at most `max` code units. */
export function boundedText(value: unknown, max: number): string {
  let text = typeof value === 'string' ? value : String(value);
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return text.replace(/\0/g, '\uFFFD').replace(loneSurrogate, '\uFFFD');
}

/** The details as canonical JSON (keys sorted, bounded), or null when there are none. */
function canonicalDetails(details: AuditEvent['details']): string | null {
  if (details === undefined || details === null) return null;
  const keys = Object.keys(details).sort().slice(0, auditLimits.detailKeys);
  if (keys.length === 0) return null;
  const out: Record<string, string | number | boolean | null> = {};
  for (const key of keys) {
    const value = details[key];
    const bounded = boundedText(key, auditLimits.detailKey);
    if (typeof value === 'string') out[bounded] = boundedText(value, auditLimits.detailValue);
    else if (typeof value === 'number') out[bounded] = Number.isFinite(value) ? value : null;
    else if (typeof value === 'boolean') out[bounded] = value;
    else out[bounded] = null;
  }
  return JSON.stringify(out);
}

/** The fields stored for `event` recorded at `time`. */
export function auditRowFields(event: AuditEvent, time: number): AuditRowFields {
  return {
    time,
    actor: boundedText(event.actor, auditLimits.actor),
    actorKind: actorKinds.has(event.actorKind) ? event.actorKind : 'system',
    clientIp: boundedText(event.clientIp, auditLimits.clientIp),
    action: boundedText(event.action, auditLimits.action),
    target: boundedText(event.target, auditLimits.target),
    outcome: outcomes.has(event.outcome) ? event.outcome : 'failure',
    details: canonicalDetails(event.details),
  };
}
