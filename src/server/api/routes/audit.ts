/**
 * `/api/v1/audit`: reading the audit log — a filtered page (`GET /audit`) and the whole filtered
 * log as JSON Lines (`GET /audit/export`). System administrators only: a project's `audit:read`
 * would need every entry's target mapped to a project, which later work can add; until then one
 * simple rule.
 */
import { Readable } from 'node:stream';

import { z } from 'zod';

import { maxAuditPage } from '../../../auth/audit/log.js';
import { AuthError } from '../../../auth/errors.js';
import type { AuditEntry } from '../../../auth/model.js';
import type { AuditLog } from '../../../auth/services.js';
import { apiRoute, type ApiCaller, type ApiRoute } from '../types.js';
import { instant } from './tokens.js';

const filters = {
  actor: z.string().min(1).max(256).optional(),
  action: z.string().min(1).max(64).optional(),
  /** Exact, or a prefix when it ends in `*` (`team/*`). */
  target: z.string().min(1).max(1024).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  since: instant.optional(),
  until: instant.optional(),
};

const listQuery = z.strictObject({
  ...filters,
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'a sequence number')
    .transform(Number)
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'a number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1).max(maxAuditPage))
    .optional(),
});

const entryView = z.object({
  seq: z.number(),
  time: z.string(),
  actor: z.string(),
  actorKind: z.enum(['user', 'robot', 'anonymous', 'system']),
  clientIp: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['success', 'failure', 'denied']),
  /** Strings, numbers, booleans or null (not spelled out: a union of types is not strict JSON Schema). */
  details: z.record(z.string(), z.unknown()).optional(),
  prevHash: z.string(),
  hash: z.string(),
});

const defaultPage = 100;

/**
 * The audit routes over `audit`.
 * @example registerApi(app, { routes: [...auditRoutes({ audit })], identity, credentials, version });
 */
export function auditRoutes({ audit }: { audit: AuditLog }): ApiRoute[] {
  return [
    apiRoute({
      method: 'GET',
      path: '/audit',
      summary: 'Audit entries in sequence order, filtered; page on with `after` = `next`',
      tag: 'audit',
      auth: 'user',
      query: listQuery,
      response: z.object({ entries: z.array(entryView), next: z.number().optional() }),
      async handler({ caller, query }) {
        requireSystemAdmin(caller);
        const limit = query.limit ?? defaultPage;
        const entries = await audit.query({
          ...filterOf(query),
          ...(query.after !== undefined ? { afterSeq: query.after } : {}),
          limit,
        });
        const last = entries.at(-1);
        return {
          entries: entries.map(viewOf),
          ...(entries.length === limit && last ? { next: last.seq } : {}),
        };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/audit/export',
      summary: 'Every audit entry matching the filters, as JSON Lines',
      tag: 'audit',
      auth: 'user',
      query: z.strictObject(filters),
      produces: 'application/x-ndjson',
      handler({ caller, query }) {
        requireSystemAdmin(caller);
        const entries = audit.entries(filterOf(query));
        return Promise.resolve(Readable.from(jsonLines(entries)));
      },
    }),
  ];
}

/** An entry as one line of JSON (the export) or one element of a page. */
export function viewOf(entry: AuditEntry): z.infer<typeof entryView> {
  return { ...entry, time: entry.time.toISOString() };
}

async function* jsonLines(entries: AsyncIterable<AuditEntry>): AsyncIterable<string> {
  for await (const entry of entries) yield `${JSON.stringify(viewOf(entry))}\n`;
}

function filterOf(query: {
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  outcome?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}) {
  return {
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.target !== undefined ? { target: query.target } : {}),
    ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
  };
}

function requireSystemAdmin(caller: ApiCaller | undefined): void {
  if (caller?.principal.systemAdmin !== true) {
    throw new AuthError('ACCESS_DENIED', 'the audit log is open to system administrators only');
  }
}
