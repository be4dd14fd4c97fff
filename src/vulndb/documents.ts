/**
 * Reads the documents of one local source — a zip of records (osv.dev's `all.zip`), a directory
 * tree of `.json`/`.yaml` records (GitHub advisory database, golang/vulndb, RustSec, AlmaLinux,
 * PyPA), or a single file — as raw bytes, under explicit limits. A document that cannot be read
 * is yielded with a reason; only a source that cannot be read at all throws.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { MoatError } from '../errors.js';
import { bundleMagic } from './bundle-format.js';
import type { VulnDbLimits } from './limits.js';
import { readZipEntries } from './zip.js';

/** How a document's bytes are parsed. */
export type DocumentFormat = 'json' | 'yaml';

/** One document read from a source, or the reason it could not be. */
export type SourceDocument =
  { origin: string; format: DocumentFormat; data: Buffer } | { origin: string; error: string };

const zipMagic = Buffer.from('PK\x03\x04', 'latin1');

/** The format a file name implies, or undefined for files that are not records. */
export function formatOfName(name: string): DocumentFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return undefined;
}

/** What a local file is, judged by its first bytes and then its name. */
export async function sniffFile(
  path: string,
  name = path,
): Promise<'zip' | 'bundle' | DocumentFormat> {
  const file = await open(path, 'r');
  const head = Buffer.alloc(8);
  try {
    await file.read(head, 0, 8, 0);
  } finally {
    await file.close();
  }
  if (head.subarray(0, 4).equals(zipMagic)) return 'zip';
  if (head.equals(bundleMagic)) return 'bundle';
  return formatOfName(name) ?? 'json';
}

/**
 * Yields every document of the local source at `path`; `name` (a URL for downloads) decides
 * the format of a single file when its content does not.
 * @throws MoatError OSV_INVALID when the source does not exist or is not a readable zip.
 */
export async function* readSourceDocuments(
  path: string,
  limits: VulnDbLimits,
  name = path,
): AsyncGenerator<SourceDocument> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (cause) {
    throw new MoatError('OSV_INVALID', `${name}: no such file or directory`, { cause });
  }
  if (isDirectory) {
    yield* readDirectory(path, limits);
    return;
  }
  const kind = await sniffFile(path, name);
  if (kind === 'bundle') {
    throw new MoatError(
      'OSV_INVALID',
      `${name}: a signed bundle, not OSV data; import it with --key`,
    );
  }
  if (kind === 'zip') yield* readZip(path, name, limits);
  else yield await readRecordFile(path, name, kind, limits);
}

async function readRecordFile(
  path: string,
  origin: string,
  format: DocumentFormat,
  limits: VulnDbLimits,
): Promise<SourceDocument> {
  const { size } = await stat(path);
  if (size > limits.maxRecordBytes) {
    return { origin, error: `${size} bytes exceed the record limit of ${limits.maxRecordBytes}` };
  }
  return { origin, format, data: await readFile(path) };
}

async function* readDirectory(root: string, limits: VulnDbLimits): AsyncGenerator<SourceDocument> {
  const entries = await readdir(root, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    // Hidden entries (.git, .github) hold no records; symbolic links are not followed.
    if (entry.name.startsWith('.')) continue;
    const path = join(root, entry.name);
    if (entry.isDirectory()) yield* readDirectory(path, limits);
    else if (entry.isFile()) {
      const format = formatOfName(entry.name);
      if (format) yield await readRecordFile(path, path, format, limits);
    }
  }
}

async function* readZip(
  path: string,
  label: string,
  limits: VulnDbLimits,
): AsyncGenerator<SourceDocument> {
  for await (const entry of readZipEntries(path, label, limits, (name) => !!formatOfName(name))) {
    const origin = `${label}!${entry.name}`;
    if ('error' in entry) yield { origin, error: entry.error };
    else yield { origin, format: formatOfName(entry.name) ?? 'json', data: entry.data };
  }
}
