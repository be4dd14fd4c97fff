/**
 * `moat db import|update|status|export`: the vulnerability database from the command line.
 * Only the command definitions live here; each action loads db-run.ts, so `moat --help` and the
 * other commands never load the database code.
 */
import { Option, type Command } from 'commander';

import type { CommonOptions } from './db-run.js';
import type { CliIo } from './io.js';

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
    await (await import('./db-run.js')).runImport(sources, options, io);
  });

  common(
    db
      .command('update')
      .description("fetch the configured sources (default: osv.dev's per-ecosystem zips)")
      .option('--source <url...>', 'fetch these URLs instead of the default sources'),
  ).action(async (options: CommonOptions & { source?: string[] }) => {
    await (await import('./db-run.js')).runUpdate(options, io);
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
  ).action(async (options: CommonOptions & { format: 'table' | 'json' }) => {
    (await import('./db-run.js')).runStatus(options, io);
  });

  common(
    db
      .command('export')
      .description('write the database as a compressed bundle signed with an ECDSA P-256 key')
      .requiredOption('-o, --output <file>', 'bundle file to write')
      .requiredOption('--key <private.pem>', 'private key to sign with'),
  ).action(async (options: CommonOptions & { output: string; key: string }) => {
    await (await import('./db-run.js')).runExport(options, io);
  });
}
