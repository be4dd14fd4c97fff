/**
 * `moat db import|update|status|export`: the vulnerability database from the command line.
 * Parsing and printing only; the work is done by `src/vulndb/`.
 */
import { readFile, stat } from 'node:fs/promises';

import { Option, type Command } from 'commander';

import { MoatError } from '../errors.js';
import { exportBundle, importBundle } from '../vulndb/bundle.js';
import { defaultCacheDir, vulnDbPath } from '../vulndb/cache.js';
import { openVulnDb, type VulnDbStatus } from '../vulndb/database.js';
import { sniffFile } from '../vulndb/documents.js';
import { importOsv, type ImportProgress, type ImportSummary } from '../vulndb/import.js';
import { defaultUpdateSources, updateDb, type UpdateSource } from '../vulndb/update.js';
import type { CliIo } from './main.js';
import { createProgress, type Progress } from './progress.js';

interface CommonOptions {
  cacheDir?: string;
  quiet?: boolean;
}

/** Adds the `db` command and its subcommands to `program`. */
export function registerDbCommand(program: Command, io: CliIo): void {
  const db = program.command('db').description('manage the vulnerability database');
  const common = (command: Command) =>
    command
      .option(
        '--cache-dir <dir>',
        'cache directory (default: $MOAT_CACHE_DIR, $XDG_CACHE_HOME/moat, ~/.cache/moat)',
      )
      .option('-q, --quiet', 'no progress and no warnings on stderr');

  common(
    db
      .command('import')
      .description('import OSV records (zip, directory, JSON/YAML file, URL) or a signed bundle')
      .argument(
        '<sources...>',
        'all.zip files, directories of records, .json/.yaml files, URLs or one bundle',
      )
      .option('--key <public.pem>', 'public key that must have signed the bundle'),
  ).action(async (sources: string[], options: CommonOptions & { key?: string }) => {
    await runImport(sources, options, io);
  });

  common(
    db
      .command('update')
      .description("fetch the configured sources (default: osv.dev's per-ecosystem zips)")
      .option('--source <url...>', 'fetch these URLs instead of the default sources'),
  ).action(async (options: CommonOptions & { source?: string[] }) => {
    await runUpdate(options, io);
  });

  common(
    db
      .command('status')
      .description('print sources, record counts per ecosystem, last update and schema version')
      .addOption(
        new Option('-f, --format <format>', 'output format')
          .choices(['table', 'json'])
          .default('table'),
      ),
  ).action((options: CommonOptions & { format: 'table' | 'json' }) => {
    runStatus(options, io);
  });

  common(
    db
      .command('export')
      .description('write the database as a compressed bundle signed with an ECDSA P-256 key')
      .requiredOption('-o, --output <file>', 'bundle file to write')
      .requiredOption('--key <private.pem>', 'private key to sign with'),
  ).action(async (options: CommonOptions & { output: string; key: string }) => {
    const header = await exportBundle(
      dbPathOf(options),
      options.output,
      await readKey(options.key),
    );
    io.stdout.write(
      `wrote ${options.output} (schema ${header.schemaVersion}, key ${header.keyId})\n`,
    );
  });
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

async function runImport(
  sources: string[],
  options: CommonOptions & { key?: string },
  io: CliIo,
): Promise<void> {
  const progress = createProgress(io.stderr, { quiet: options.quiet === true });
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

async function runUpdate(options: CommonOptions & { source?: string[] }, io: CliIo): Promise<void> {
  const progress = createProgress(io.stderr, { quiet: options.quiet === true });
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

function runStatus(options: CommonOptions & { format: 'table' | 'json' }, io: CliIo): void {
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
