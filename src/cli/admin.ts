/**
 * `moat admin …`: maintenance of a `moat serve` installation. Issue 10 brings `moat admin gc`;
 * users, projects and robots (issue 11) join here. Only the command definitions live here; each
 * action loads admin-run.ts.
 */
import { Option, type Command } from 'commander';

import { registerAuditCommands } from './admin-audit.js';
import type { GcCommandOptions } from './admin-run.js';
import { registerProjectCommands } from './admin-project.js';
import { registerRobotCommands } from './admin-robot.js';
import { registerTokenCommands } from './admin-token.js';
import { registerUserCommands } from './admin-user.js';
import type { CliIo } from './io.js';

/** Adds the `admin` command and its subcommands to `program`. */
export function registerAdminCommand(program: Command, io: CliIo): void {
  const admin = program.command('admin').description('maintain a moat serve installation');
  admin
    .command('gc')
    .description(
      'remove blobs no manifest references (and, with --untagged, untagged manifests) while the registry serves',
    )
    .option('--dry-run', 'list what would be removed, change nothing')
    .option('--untagged', 'also remove manifests no tag, index or subject keeps alive')
    .option(
      '--grace-period <duration>',
      'keep what was touched this recently (default: gc.gracePeriod, 1h)',
    )
    .option('--config <file>', 'configuration file (default: moat.yaml in the working directory)')
    .option('--data <dir>', 'data directory (default: dataDir, ./moat-data)')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['table', 'json'])
        .default('table'),
    )
    .action(async (options: GcCommandOptions) => {
      await (await import('./admin-run.js')).runGcCommand(options, io);
    });
  registerUserCommands(admin, io);
  registerTokenCommands(admin, io);
  registerRobotCommands(admin, io);
  registerProjectCommands(admin, io);
  registerAuditCommands(admin, io);
}
