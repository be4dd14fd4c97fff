/**
 * `moat scan <target>`: vulnerabilities in an image, filtered (`--severity`, `--ignore-unfixed`,
 * `--ignorefile`, `--vex`) and rendered as a table, report JSON, SARIF or CycloneDX. Exits with
 * `--exit-code N` when findings remain. Only the command definition lives here; the action loads
 * scan-run.ts.
 */
import { Option, type Command } from 'commander';

import { scanFormats, type ScanFormat } from '../report/vulnerabilities-input.js';
import type { CliIo } from './main.js';

/** Options of `moat scan`. */
export interface ScanCliOptions {
  format: ScanFormat;
  output?: string;
  severity?: string;
  ignoreUnfixed?: boolean;
  exitCode: string;
  ignorefile?: string;
  vex: string[];
  cacheDir?: string;
  /** False with `--no-cache`. */
  cache?: boolean;
  offline?: boolean;
  platform?: string;
  quiet?: boolean;
  username?: string;
  password?: string;
  insecure?: boolean;
  includeDevDeps?: boolean;
}

/**
 * Ends the command with an exit code other than 0 without an error message (the `--exit-code`
 * gate).
 */
export class ExitCodeError extends Error {
  override name = 'ExitCodeError';
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
  }
}

/** The ignore file used when `--ignorefile` is not given. */
export const defaultIgnoreFile = '.moatignore';

/** Adds the `scan` command to `program`. */
export function registerScanCommand(program: Command, io: CliIo): void {
  program
    .command('scan')
    .description('find known vulnerabilities in the packages of an image')
    .argument(
      '<target>',
      'docker-archive:, oci:, oci-archive:, dir:, docker:// or a bare path/reference',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(scanFormats).default('table'),
    )
    .option('-o, --output <file>', 'write the result to FILE instead of stdout')
    .option('-s, --severity <list>', 'only these severities (CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN)')
    .option('--ignore-unfixed', 'only vulnerabilities that have a fix')
    .option('--exit-code <n>', 'exit with N when vulnerabilities remain after filters', '0')
    .option('--ignorefile <file>', `ignore file (default: ${defaultIgnoreFile} when present)`)
    .option(
      '--vex <file>',
      'OpenVEX or CycloneDX VEX document (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option(
      '--cache-dir <dir>',
      'cache directory (default: $MOAT_CACHE_DIR, $XDG_CACHE_HOME/moat, ~/.cache/moat)',
    )
    .option('--offline', 'never fetch the vulnerability database')
    .option('--no-cache', 'do not use or fill the layer analysis cache')
    .option('--include-dev-deps', 'report development dependencies that only a lockfile lists')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
    .option('-q, --quiet', 'no progress and no warnings on stderr')
    .option('--username <name>', 'registry user name')
    .option('--password <secret>', 'registry password or token')
    .option('--insecure', 'allow plain HTTP registries')
    .action(async (target: string, options: ScanCliOptions) => {
      await (await import('./scan-run.js')).runScan(target, options, io);
    });
}
