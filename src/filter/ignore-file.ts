/**
 * The ignore file (`--ignorefile`, default `.moatignore`): YAML entries naming findings to leave
 * out by vulnerability id (or any alias), purl and/or path, each with an optional `expires` date
 * and a `statement`. Accepted shapes: `{ vulnerabilities: [entry…] }`, a bare list of entries or
 * ids, or ids one per line as in `.trivyignore`. An entry whose `expires` day has passed (UTC)
 * no longer applies and is reported as expired.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';

import type { Finding } from '../match/types.js';
import { defaultFilterLimits, type FilterLimits } from './limits.js';
import { compilePathPattern, pathMatches, type PathPattern } from './path-pattern.js';
import { parsePurlPattern, purlMatches, type PurlPattern } from './purl-match.js';
import { FilterDocumentError, readDocument } from './read-document.js';
import type { FilterOutcome } from './types.js';

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expires must be a date written YYYY-MM-DD')
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)), 'expires is not a real date');

const entrySchema = z
  .strictObject({
    id: z.string().min(1).optional(),
    purl: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    expires: isoDay.optional(),
    statement: z.string().optional(),
  })
  .refine((e) => e.id ?? e.purl ?? e.path, 'an entry needs at least one of id, purl or path');

const listSchema = z.array(z.union([z.string().min(1), entrySchema]));
const documentSchema = z.union([
  z.strictObject({ vulnerabilities: listSchema.nullable() }),
  listSchema,
]);

/** One entry of an ignore file. */
export interface IgnoreEntry {
  /** 1-based line of the entry in its file. */
  line: number;
  id?: string;
  purl?: PurlPattern;
  path?: PathPattern;
  /** Last day (UTC, YYYY-MM-DD) on which the entry applies. */
  expires?: string;
  statement?: string;
}

/** A parsed ignore file. */
export interface IgnoreFile {
  path: string;
  entries: IgnoreEntry[];
}

/** What applying an ignore file did, beyond keeping and ignoring findings. */
export interface IgnoreOutcome extends FilterOutcome {
  /** Entries that no longer apply because their `expires` day has passed. */
  expired: IgnoreEntry[];
}

/**
 * Reads and validates an ignore file.
 * @throws FilterDocumentError naming the file and line for bad YAML or a bad entry.
 */
export async function loadIgnoreFile(
  path: string,
  limits: FilterLimits = defaultFilterLimits,
): Promise<IgnoreFile> {
  return parseIgnoreFile(
    await readDocument(path, limits.maxIgnoreFileBytes, 'ignore file'),
    path,
    limits,
  );
}

/** Parses ignore-file text; `path` names the file in errors. */
export function parseIgnoreFile(
  text: string,
  path: string,
  limits: FilterLimits = defaultFilterLimits,
): IgnoreFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const line = lines.linePos(yamlError.pos[0]).line;
    throw new FilterDocumentError(
      `${path}:${line}: not valid YAML: ${firstLine(yamlError.message)}`,
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { path, entries: [] };
  if (typeof value === 'string') {
    // `.trivyignore` style: ids one per line (YAML reads the lines as one plain scalar).
    return {
      path,
      entries: value
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => ({ line: 1, id })),
    };
  }
  const parsed = documentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = lineOf(doc, lines, issue?.path ?? []);
    throw new FilterDocumentError(`${path}:${where}: ${issue?.message ?? 'invalid ignore file'}`);
  }
  const list = Array.isArray(parsed.data) ? parsed.data : (parsed.data.vulnerabilities ?? []);
  const prefix = Array.isArray(parsed.data) ? [] : ['vulnerabilities'];
  if (list.length > limits.maxIgnoreEntries) {
    throw new FilterDocumentError(`${path}: more than ${limits.maxIgnoreEntries} entries`);
  }
  const entries = list.map((item, index): IgnoreEntry => {
    const line = lineOf(doc, lines, [...prefix, index]);
    if (typeof item === 'string') return { line, id: item };
    const purl = item.purl === undefined ? undefined : parsePurlPattern(item.purl);
    if (item.purl !== undefined && purl === undefined) {
      throw new FilterDocumentError(`${path}:${line}: "${item.purl}" is not a valid purl`);
    }
    return {
      line,
      ...(item.id !== undefined ? { id: item.id } : {}),
      ...(purl !== undefined ? { purl } : {}),
      ...(item.path !== undefined ? { path: compilePathPattern(item.path) } : {}),
      ...(item.expires !== undefined ? { expires: item.expires } : {}),
      ...(item.statement !== undefined ? { statement: item.statement } : {}),
    };
  });
  return { path, entries };
}

/** True when `entry` names `finding` (every stated part must agree). */
export function ignoreEntryMatches(entry: IgnoreEntry, finding: Finding): boolean {
  if (entry.id !== undefined && entry.id !== finding.id && !finding.aliases.includes(entry.id)) {
    return false;
  }
  if (entry.purl !== undefined && !purlMatches(entry.purl, finding.purl)) return false;
  if (entry.path !== undefined && !pathMatches(entry.path, finding.path)) return false;
  return true;
}

/** True when `entry` has expired by `now`: it applies through the whole of its `expires` day (UTC). */
export function isExpired(entry: IgnoreEntry, now: Date): boolean {
  if (entry.expires === undefined) return false;
  return now.toISOString().slice(0, 10) > entry.expires;
}

/** Leaves out the findings an unexpired entry names; reports the expired entries. */
export function applyIgnoreFile(
  findings: readonly Finding[],
  file: IgnoreFile,
  now: Date = new Date(),
): IgnoreOutcome {
  const expired = file.entries.filter((entry) => isExpired(entry, now));
  const active = file.entries.filter((entry) => !isExpired(entry, now));
  const outcome: IgnoreOutcome = { kept: [], ignored: [], expired };
  for (const finding of findings) {
    const entry = active.find((e) => ignoreEntryMatches(e, finding));
    if (entry === undefined) outcome.kept.push(finding);
    else {
      outcome.ignored.push({
        finding,
        reason: {
          kind: 'ignorefile',
          file: file.path,
          line: entry.line,
          ...(entry.statement !== undefined ? { statement: entry.statement } : {}),
        },
      });
    }
  }
  return outcome;
}

/** The line of the node at `path`, or of its nearest ancestor that exists. */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range !== undefined) return lines.linePos(range[0]).line;
  }
  return 1;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
