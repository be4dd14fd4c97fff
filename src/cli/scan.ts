/**
 * `moat scan <target>`: vulnerabilities in an image, filtered (`--severity`, `--ignore-unfixed`,
 * `--ignorefile`, `--vex`) and rendered as a table, report JSON, SARIF or CycloneDX. Exits with
 * `--exit-code N` when findings remain. Only the command definition lives here; the action loads
 * scan-run.ts.
 */
import { Option, type Command } from 'commander';

import { scanFormats, type ScanFormat } from '../report/vulnerabilities-input.js';
import type { CliIo } from './io.js';
import {
  addCacheFlags,
  addCatalogFlags,
  addImageFlags,
  addOutputFlags,
  commonOptionsOf,
  type SharedFlags,
} from './options.js';

/** The flags that shape what a scan reports (`moat scan` and `moat policy check` share them). */
export interface ScanFilterFlags {
  severity?: string;
  ignoreUnfixed?: boolean;
  ignorefile?: string;
  vex: string[];
  offline?: boolean;
}

/** The flags of `moat scan` besides the shared ones, as commander parses them. */
export interface ScanFlags extends ScanFilterFlags {
  format: ScanFormat;
  exitCode: string;
}

/** The ignore file used when `--ignorefile` is not given. */
export const defaultIgnoreFile = '.moatignore';

/**
 * Adds every flag of `moat scan` but its output format and `--exit-code`: the filters, and the
 * shared image, cache, catalog and output flags.
 */
export function addScanFlags(command: Command): Command {
  command
    .option('-s, --severity <list>', 'only these severities (CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN)')
    .option('--ignore-unfixed', 'only vulnerabilities that have a fix')
    .option('--ignorefile <file>', `ignore file (default: ${defaultIgnoreFile} when present)`)
    .option(
      '--vex <file>',
      'OpenVEX or CycloneDX VEX document (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--offline', 'never fetch the vulnerability database');
  return addCatalogFlags(addCacheFlags(addImageFlags(addOutputFlags(command))));
}

/** Adds the `scan` command to `program`. */
export function registerScanCommand(program: Command, io: CliIo): void {
  const command = program
    .command('scan')
    .description('find known vulnerabilities in the packages of an image')
    .argument(
      '<target>',
      'docker-archive:, oci:, oci-archive:, dir:, docker:// or a bare path/reference',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(scanFormats).default('table'),
    )
    .option('--exit-code <n>', 'exit with N when vulnerabilities remain after filters', '0');
  addScanFlags(command).action(async (target: string, flags: SharedFlags & ScanFlags) => {
    const options = { ...commonOptionsOf(flags), scan: flags };
    await (await import('./scan-run.js')).runScan(target, options, io);
  });
}
