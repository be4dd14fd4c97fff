/**
 * The actions of `moat db import|update|status|export` (defined in db.ts): parsing and printing
 * only; the work is done by `src/vulndb/`.
 */
import { readFile, stat } from 'node:fs/promises';

import { MoatError } from '../errors.js';
import { exportBundle, importBundle } from '../vulndb/bundle.js';
import { defaultCacheDir, vulnDbPath } from '../util/cache-paths.js';
import { openVulnDb, type VulnDbStatus } from '../vulndb/database.js';
import { sniffFile } from '../vulndb/documents.js';
import { importOsv, type ImportProgress, type ImportSummary } from '../vulndb/import.js';
import { defaultUpdateSources, updateDb, type UpdateSource } from '../vulndb/update.js';
import type { CliIo } from './io.js';
import { refuseOutputOverInput } from './output.js';
import { createProgress, type Progress } from './progress.js';

/** Options every `db` subcommand takes. */
export interface CommonOptions {
  cacheDir?: string;
  quiet?: boolean;
}

/** `moat db export`. */
export async function runExport(
  options: CommonOptions & { output: string; key: string },
  io: CliIo,
): Promise<void> {
  await refuseOutputOverInput(options.output, [
    { what: 'vulnerability database', path: dbPathOf(options) },
    { what: 'key', path: options.key },
  ]);
  const header = await exportBundle(dbPathOf(options), options.output, await readKey(options.key));
  io.stdout.write(
    `wrote ${options.output} (schema ${header.schemaVersion}, key ${header.keyId})\n`,
  );
}

function dbPathOf(options: CommonOptions): string {
  return vulnDbPath(options.cacheDir ?? defaultCacheDir());
}

async function readKey(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new MoatError('KEY_INVALID', `${path}: cannot read the key file`, { cause });
  }
}

async function isBundle(source: string): Promise<boolean> {
  if (/^https?:\/\//.test(source)) return false;
  const info = await stat(source).catch(() => undefined);
  return info?.isFile() === true && (await sniffFile(source)) === 'bundle';
}

/** `moat db import`. */
export async function runImport(
  sources: string[],
  options: CommonOptions & { key?: string },
  io: CliIo,
): Promise<void> {
  const progress = createProgress(io, { quiet: options.quiet === true });
  const dbPath = dbPathOf(options);
  const bundles = (await Promise.all(sources.map(isBundle))).filter(Boolean).length;
  if (bundles > 0) {
    if (sources.length > 1) throw new MoatError('USAGE', 'a bundle must be imported on its own');
    if (options.key === undefined) {
      throw new MoatError('USAGE', `${sources[0]}: a signed bundle needs --key <public.pem>`);
    }
    const header = await importBundle(sources[0] ?? '', await readKey(options.key), dbPath);
    io.stdout.write(
      `installed bundle of ${header.createdAt} signed by key ${header.keyId} into ${dbPath}\n`,
    );
    return;
  }
  if (options.key !== undefined)
    throw new MoatError('USAGE', '--key applies only to signed bundles');
  const summary = await importOsv(dbPath, sources, { onProgress: reporter(progress) });
  progress.done('');
  printSummary(summary, progress, io);
}

/** `moat db update`. */
export async function runUpdate(
  options: CommonOptions & { source?: string[] },
  io: CliIo,
): Promise<void> {
  const progress = createProgress(io, { quiet: options.quiet === true });
  const sources: UpdateSource[] = options.source
    ? options.source.map((url) => ({ name: url, url }))
    : defaultUpdateSources();
  const result = await updateDb(dbPathOf(options), sources, { onProgress: reporter(progress) });
  progress.done('');
  if (result.notModified.length > 0) {
    io.stdout.write(`${result.notModified.length} source(s) unchanged since the last update\n`);
  }
  if (result.import) printSummary(result.import, progress, io);
  if (result.failed.length > 0) {
    const first = result.failed[0];
    throw new MoatError(
      'DB_SOURCE_UNAVAILABLE',
      `${result.failed.length} of ${sources.length} source(s) failed, first: ${first?.reason ?? ''}`,
    );
  }
}

function reporter(progress: Progress): (p: ImportProgress) => void {
  return (p) => progress.step(`${p.source}: ${p.records} records`);
}

function printSummary(summary: ImportSummary, progress: Progress, io: CliIo): void {
  io.stdout.write(
    `${summary.records} records read: ${summary.inserted} new, ${summary.replaced} replaced, ` +
      `${summary.unchanged} unchanged, ${summary.withdrawn} withdrawn; ${summary.skipped} malformed skipped\n`,
  );
  for (const reason of summary.skipReasons) progress.warn(`skipped ${reason}`);
  const unknown = Object.entries(summary.unknownEcosystems);
  if (unknown.length > 0) {
    const list = unknown.map(([ecosystem, count]) => `${ecosystem} (${count})`).join(', ');
    progress.warn(`records of ecosystems Moat does not catalog were imported: ${list}`);
  }
}

/** `moat db status`. */
export function runStatus(options: CommonOptions & { format: 'table' | 'json' }, io: CliIo): void {
  const db = openVulnDb(dbPathOf(options));
  let status: VulnDbStatus;
  try {
    status = db.status();
  } finally {
    db.close();
  }
  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  const lines = [
    `database:        ${status.path}`,
    `schema version:  ${status.schemaVersion}`,
    `origin:          ${status.origin ?? 'unknown'}`,
    `last update:     ${status.updatedAt ?? 'never'}`,
    `records:         ${status.records} (${status.withdrawn} withdrawn)`,
    'ecosystems:',
    ...status.ecosystems.map((e) => `  ${e.ecosystem.padEnd(28)} ${e.records}`),
    'sources:',
    ...status.sources.map(
      (s) => `  ${s.name}  ${s.importedBy}  ${s.updatedAt}${s.etag ? `  etag ${s.etag}` : ''}`,
    ),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
}
