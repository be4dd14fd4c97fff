/**
 * Reads the documents of one local source — a zip of records (osv.dev's `all.zip`), a directory
 * tree of `.json`/`.yaml` records (GitHub advisory database, golang/vulndb, RustSec, AlmaLinux,
 * PyPA), or a single file — as raw bytes, under explicit limits. A document that cannot be read
 * is yielded with a reason; only a source that cannot be read at all throws.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { Entry, Options as ZipOptions, ZipFile } from 'yauzl';

import { LimitExceededError, MoatError } from '../errors.js';
import { bundleMagic } from './bundle-format.js';
import type { VulnDbLimits } from './limits.js';

/** How a document's bytes are parsed. */
export type DocumentFormat = 'json' | 'yaml';

/** One document read from a source, or the reason it could not be. */
export type SourceDocument =
  { origin: string; format: DocumentFormat; data: Buffer } | { origin: string; error: string };

const ZIP_OPTIONS: ZipOptions = { lazyEntries: true, validateEntrySizes: true, autoClose: false };
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
  const yauzl = (await import('yauzl')).default;
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, ZIP_OPTIONS);
  } catch (cause) {
    throw new MoatError('OSV_INVALID', `${label}: corrupt zip: ${reason(cause)}`, { cause });
  }
  try {
    if (zip.entryCount > limits.maxZipEntries) {
      throw new LimitExceededError(
        `${label}: ${zip.entryCount} entries exceed the limit of ${limits.maxZipEntries}`,
      );
    }
    let bytesLeft = limits.maxZipBytes;
    const entries = zip.eachEntry()[Symbol.asyncIterator]();
    while (true) {
      let next: IteratorResult<Entry>;
      try {
        next = await entries.next();
      } catch (cause) {
        throw new MoatError('OSV_INVALID', `${label}: corrupt zip: ${reason(cause)}`, { cause });
      }
      if (next.done) break;
      const entry = next.value;
      const format = formatOfName(entry.fileName);
      if (entry.fileName.endsWith('/') || !format) continue;
      const origin = `${label}!${entry.fileName}`;
      if (entry.uncompressedSize > limits.maxRecordBytes) {
        yield { origin, error: `${entry.uncompressedSize} bytes exceed the record limit` };
        continue;
      }
      if (entry.uncompressedSize > bytesLeft) {
        throw new LimitExceededError(
          `${label}: more than ${limits.maxZipBytes} uncompressed bytes`,
        );
      }
      bytesLeft -= entry.uncompressedSize;
      try {
        yield { origin, format, data: await readEntry(zip, entry) };
      } catch (cause) {
        yield { origin, error: `unreadable entry: ${reason(cause)}` };
      }
    }
  } finally {
    zip.close();
  }
}

async function readEntry(zip: ZipFile, entry: Entry): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  // validateEntrySizes makes yauzl fail the stream when the data outgrows the declared size.
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
