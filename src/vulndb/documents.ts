/**
 * Reads the documents of one local source — a zip of records (osv.dev's `all.zip`), a directory
 * tree of `.json`/`.yaml` records (GitHub advisory database, golang/vulndb, RustSec, AlmaLinux,
 * PyPA), or a single file — as raw bytes, under explicit limits. A document that cannot be read
 * is yielded with a reason; only a source that cannot be read at all throws.
 */
import { constants } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { isMoatError, LimitExceededError, MoatError } from '../errors.js';
import { bundleMagic } from './bundle-format.js';
import type { VulnDbLimits } from './limits.js';
import {
  openRegularFile,
  readAtMost,
  tryOpenRegularFile,
  type OpenedSourceFile,
} from './source-file.js';
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
  // Non-blocking: a FIFO in place of the file must not hang the caller.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return await sniffOpened(file, name);
  } finally {
    await file.close();
  }
}

async function sniffOpened(
  file: FileHandle,
  name: string,
): Promise<'zip' | 'bundle' | DocumentFormat> {
  const head = Buffer.alloc(8);
  await file.read(head, 0, 8, 0);
  if (head.subarray(0, 4).equals(zipMagic)) return 'zip';
  if (head.equals(bundleMagic)) return 'bundle';
  return formatOfName(name) ?? 'json';
}

/**
 * Yields every document of the local source at `path`; `name` (a URL for downloads) decides
 * the format of a single file when its content does not. A single file is refused before it is
 * read when it is not a regular file or is larger than its limit (a record file: the record
 * limit; a zip: the source limit); files of a directory tree are skipped for the same reasons.
 * @throws MoatError OSV_INVALID when the source does not exist, is not a regular file or
 *   directory, or is not a readable zip; LIMIT_EXCEEDED. Each message names the source.
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
  const opened = await openRegularFile(path, name, {
    maxBytes: limits.maxSourceBytes,
    limitName: 'the source limit',
  });
  try {
    const kind = await sniffOpened(opened.file, name);
    if (kind === 'bundle') {
      throw new MoatError(
        'OSV_INVALID',
        `${name}: a signed bundle, not OSV data; import it with --key`,
      );
    }
    if (kind === 'zip') {
      yield* readZip(opened, name, limits);
      return;
    }
    if (opened.size > limits.maxRecordBytes) {
      throw new LimitExceededError(
        `${name}: ${opened.size} bytes exceed the record limit of ${limits.maxRecordBytes}`,
      );
    }
    const data = await readAtMost(opened, limits.maxRecordBytes, name);
    yield { origin: name, format: kind, data };
  } finally {
    await opened.file.close();
  }
}

/** A file found in a directory tree: links are not followed, oversized files are skipped. */
async function readTreeFile(
  path: string,
  format: DocumentFormat,
  limits: VulnDbLimits,
): Promise<SourceDocument> {
  const opened = await tryOpenRegularFile(path, {
    maxBytes: limits.maxRecordBytes,
    limitName: 'the record limit',
    noFollow: true,
  });
  if (!('file' in opened)) return { origin: path, error: opened.reason };
  try {
    return { origin: path, format, data: await readAtMost(opened, limits.maxRecordBytes, path) };
  } catch (error) {
    if (!isMoatError(error)) throw error;
    return { origin: path, error: error.message.slice(path.length + 2) };
  } finally {
    await opened.file.close();
  }
}

async function* readDirectory(root: string, limits: VulnDbLimits): AsyncGenerator<SourceDocument> {
  const entries = await readdir(root, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    // Hidden entries (.git, .github) hold no records; symbolic links are not followed, and
    // FIFOs, devices and sockets are not files.
    if (entry.name.startsWith('.')) continue;
    const path = join(root, entry.name);
    if (entry.isDirectory()) yield* readDirectory(path, limits);
    else if (entry.isFile()) {
      const format = formatOfName(entry.name);
      if (format) yield await readTreeFile(path, format, limits);
    }
  }
}

async function* readZip(
  opened: OpenedSourceFile,
  label: string,
  limits: VulnDbLimits,
): AsyncGenerator<SourceDocument> {
  const want = (name: string) => !!formatOfName(name);
  for await (const entry of readZipEntries(opened, label, limits, want)) {
    const origin = `${label}!${entry.name}`;
    if ('error' in entry) yield { origin, error: entry.error };
    else yield { origin, format: formatOfName(entry.name) ?? 'json', data: entry.data };
  }
}
