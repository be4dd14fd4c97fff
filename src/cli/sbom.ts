/**
 * `moat sbom <target>`: the inventory of an image in CycloneDX, SPDX, Moat JSON or a table.
 * Only the command definition lives here; the action loads sbom-run.ts.
 */
import { Option, type Command } from 'commander';

import { sbomFormats } from '../report/formats.js';
import type { CliIo } from './main.js';
import type { SbomOptions } from './sbom-run.js';

/** Adds the `sbom` command to `program`. */
export function registerSbomCommand(program: Command, io: CliIo): void {
  program
    .command('sbom')
    .description('list every package in an image')
    .argument(
      '<target>',
      'docker-archive:, oci:, oci-archive:, dir:, docker:// or a bare path/reference',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(sbomFormats).default('table'),
    )
    .option('-o, --output <file>', 'write the result to FILE instead of stdout')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
    .option('-q, --quiet', 'no progress and no warnings on stderr')
    .option('--username <name>', 'registry user name')
    .option('--password <secret>', 'registry password or token')
    .option('--insecure', 'allow plain HTTP registries')
    .option('--cache-dir <dir>', 'cache directory (default: $MOAT_CACHE_DIR or ~/.cache/moat)')
    .option('--no-cache', 'do not use or fill the layer analysis cache')
    .option('--include-dev-deps', 'report development dependencies that only a lockfile lists')
    .action(async (target: string, options: SbomOptions) => {
      await (await import('./sbom-run.js')).runSbom(target, options, io);
    });
}
