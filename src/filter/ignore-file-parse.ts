/**
 * Reading and validating an ignore file (see ignore-file.ts for what it means): YAML parsed with
 * line numbers kept, so every error names the file and line at fault.
 */
import { z } from 'zod';

import { readYamlText } from '../util/yaml-text.js';
import type { IgnoreEntry, IgnoreFile } from './ignore-file.js';
import { defaultFilterLimits, type FilterLimits } from './limits.js';
import { compilePathPattern } from './path-pattern-compile.js';
import { parsePurlPattern } from './purl-match.js';
import { FilterDocumentError, readDocument } from './read-document.js';

// zod's ISO date knows month lengths and leap years; Date.parse takes 2024-02-30 for March 1.
const isoDay = z.iso.date({
  error: (issue) =>
    issue.code === 'invalid_format'
      ? `expires ${JSON.stringify(issue.input)} is not a real calendar date written YYYY-MM-DD`
      : undefined,
});

/** zod's own words ("Unrecognized key", "Invalid input") replaced by the ignore file's terms. */
function unknownKey(where: string, expected: string) {
  return (issue: { code?: string; keys?: string[] }): string | undefined =>
    issue.code === 'unrecognized_keys'
      ? `unknown key ${JSON.stringify(issue.keys?.[0] ?? '')} ${where} (expected ${expected})`
      : undefined;
}

const entryKeys = 'id, purl, path, expires or statement';

const entrySchema = z
  .strictObject(
    {
      id: z.string().min(1).optional(),
      purl: z.string().min(1).optional(),
      path: z.string().min(1).optional(),
      expires: isoDay.optional(),
      statement: z.string().optional(),
    },
    { error: unknownKey('in an entry', entryKeys) },
  )
  .refine((e) => e.id ?? e.purl ?? e.path, 'an entry needs at least one of id, purl or path');

const listSchema = z.array(
  z.union([z.string().min(1), entrySchema], {
    error: `an entry is an id or a mapping of ${entryKeys}`,
  }),
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a list of entries' : undefined) },
);
const mappingSchema = z.strictObject(
  { vulnerabilities: listSchema.nullish() },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'expected a list of entries, or "vulnerabilities:" holding one'
        : unknownKey('at the top', '"vulnerabilities"')(issue),
  },
);

/** Every form of ignore file holds at most `maxIgnoreEntries` entries. */
function refuseOverEntryLimit(count: number, path: string, limits: FilterLimits): void {
  if (count > limits.maxIgnoreEntries) {
    throw new FilterDocumentError(`${path}: more than ${limits.maxIgnoreEntries} entries`);
  }
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
  const { value, lineOf } = readYamlText(text, {
    source: path,
    what: 'the file',
    maxAliases: limits.maxYamlAliases,
    fail: (message, cause) =>
      new FilterDocumentError(message, cause === undefined ? undefined : { cause }),
  });
  if (value === null || value === undefined) return { path, entries: [] };
  if (typeof value === 'string') {
    // `.trivyignore` style: ids one per line (YAML reads the lines as one plain scalar).
    const ids = value.split(/\s+/).filter(Boolean);
    refuseOverEntryLimit(ids.length, path, limits);
    return { path, entries: ids.map((id) => ({ line: 1, id })) };
  }
  // Chosen by shape rather than a union, so that errors speak of the shape the file has.
  const parsed = Array.isArray(value)
    ? listSchema.safeParse(value)
    : mappingSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = lineOf(issue?.path ?? []);
    throw new FilterDocumentError(`${path}:${where}: ${issue?.message ?? 'invalid ignore file'}`);
  }
  const list = Array.isArray(parsed.data) ? parsed.data : (parsed.data.vulnerabilities ?? []);
  const prefix = Array.isArray(parsed.data) ? [] : ['vulnerabilities'];
  refuseOverEntryLimit(list.length, path, limits);
  const entries = list.map((item, index): IgnoreEntry => {
    const line = lineOf([...prefix, index]);
    if (typeof item === 'string') return { line, id: item };
    const purl = item.purl === undefined ? undefined : parsePurlPattern(item.purl);
    if (item.purl !== undefined && purl === undefined) {
      throw new FilterDocumentError(`${path}:${line}: "${item.purl}" is not a valid purl`);
    }
    // Matching is linear in path × pattern; a pattern longer than any real path only costs time.
    if (item.path !== undefined && item.path.length > limits.maxPathPatternLength) {
      throw new FilterDocumentError(
        `${path}:${line}: path pattern longer than ${limits.maxPathPatternLength} characters`,
      );
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
