/**
 * `moat admin audit verify|list|export` and `moat admin rotate-master-key`: the audit log and the
 * master key of an installation, with the same `--config`/`--data`/`MOAT_*` as `moat serve` and
 * `moat admin gc`. Only the definitions live here; the actions load `admin-audit-run.ts`.
 */
import { Option, type Command } from 'commander';

import type { AuditListOptions, AuditCommandOptions, RotateOptions } from './admin-audit-run.js';
import type { CliIo } from './io.js';

const run = () => import('./admin-audit-run.js');

/** Adds `audit verify|list|export` and `rotate-master-key` to the `admin` command. */
export function registerAuditCommands(admin: Command, io: CliIo): void {
  const installation = (command: Command) =>
    command
      .option('--config <file>', 'configuration file (default: moat.yaml in the working directory)')
      .option('--data <dir>', 'data directory (default: dataDir, ./moat-data)');
  const filtered = (command: Command) =>
    installation(command)
      .option('--actor <name>', 'only entries of this actor')
      .option('--action <action>', 'only this action (auth.login, registry.push, …)')
      .option('--target <target>', 'only this target; a trailing * matches a prefix (team/*)')
      .addOption(
        new Option('--outcome <outcome>', 'only this outcome').choices([
          'success',
          'failure',
          'denied',
        ]),
      )
      .option('--since <time>', 'entries at or after this ISO 8601 time')
      .option('--until <time>', 'entries before this ISO 8601 time');

  const audit = admin.command('audit').description('the hash-chained audit log');
  installation(
    audit
      .command('verify')
      .description('check the audit chain: exit 0 when intact, 3 naming the first bad entry'),
  )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['table', 'json'])
        .default('table'),
    )
    .action(async (options: AuditCommandOptions & { format: 'table' | 'json' }) => {
      await (await run()).runAuditVerify(options, io);
    });
  filtered(audit.command('list').description('print audit entries in sequence order'))
    .option('--after <seq>', 'entries after this sequence number (paging)')
    .option('--limit <n>', 'at most this many entries (1-1000)', '50')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['table', 'json'])
        .default('table'),
    )
    .action(async (options: AuditListOptions) => {
      await (await run()).runAuditList(options, io);
    });
  filtered(audit.command('export').description('write every matching entry as JSON Lines'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (options: AuditCommandOptions & { output?: string }) => {
      await (await run()).runAuditExport(options, io);
    });

  installation(
    admin
      .command('rotate-master-key')
      .description(
        're-encrypt every secret under the current (first) master key; with --generate, first put a new key at the top of the key file',
      ),
  )
    .option('--generate', 'add a fresh key at the top of the master key file before re-encrypting')
    .action(async (options: RotateOptions) => {
      await (await run()).runRotateMasterKey(options, io);
    });
}
