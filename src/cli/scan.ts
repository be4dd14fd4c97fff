/**
 * `moat scan <target>`: vulnerabilities in an image, filtered (`--severity`, `--ignore-unfixed`,
 * `--ignorefile`, `--vex`) and rendered as a table, report JSON, SARIF or CycloneDX. Exits with
 * `--exit-code N` when findings remain. Parsing and printing only; the work is `scanImage`'s.
 */
import { stat, writeFile } from 'node:fs/promises';

import { Option, type Command } from 'commander';

import { MoatError } from '../errors.js';
import { parseSeverityList } from '../filter/severity.js';
import { parsePlatform } from '../image/platform.js';
import { scanFormats, type ScanFormat } from '../report/vulnerabilities-input.js';
import type { CliIo } from './main.js';
import { openLayerCache } from './layer-cache.js';
import { createProgress } from './progress.js';
import { version } from './version.js';

interface ScanCliOptions {
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
}

/** Ends the command with an exit code other than 0 without an error message (the `--exit-code` gate). */
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
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
    .option('-q, --quiet', 'no progress and no warnings on stderr')
    .option('--username <name>', 'registry user name')
    .option('--password <secret>', 'registry password or token')
    .option('--insecure', 'allow plain HTTP registries')
    .action(async (target: string, options: ScanCliOptions) => {
      await runScan(target, options, io);
    });
}

function parseExitCode(text: string): number {
  const code = Number(text);
  if (!/^\d+$/.test(text) || code > 255) {
    throw new MoatError('USAGE', `--exit-code: "${text}" is not a number from 0 to 255`);
  }
  return code;
}

async function ignoreFileOf(options: ScanCliOptions): Promise<string | undefined> {
  if (options.ignorefile !== undefined) return options.ignorefile;
  const present = await stat(defaultIgnoreFile).then(
    (info) => info.isFile(),
    () => false,
  );
  return present ? defaultIgnoreFile : undefined;
}

async function runScan(target: string, options: ScanCliOptions, io: CliIo): Promise<void> {
  if (options.password !== undefined && options.username === undefined) {
    throw new MoatError('USAGE', '--password needs --username');
  }
  const exitCode = parseExitCode(options.exitCode);
  const severities =
    options.severity === undefined ? undefined : parseSeverityList(options.severity);
  const platform = options.platform === undefined ? undefined : parsePlatform(options.platform);
  const ignoreFile = await ignoreFileOf(options);
  const progress = createProgress(io.stderr, { quiet: options.quiet === true });
  // Loaded only now: matching and the database driver are not needed for `--help`.
  const { scanImage } = await import('../scan.js');
  const layerCache = openLayerCache(options, (message) => progress.warn(message));
  const result = await scanImage(target, {
    ...(layerCache ? { layerCache } : {}),
    ...(platform !== undefined ? { platform } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.insecure ? { insecure: true } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.offline ? { offline: true } : {}),
    ...(severities !== undefined ? { severities } : {}),
    ...(options.ignoreUnfixed ? { ignoreUnfixed: true } : {}),
    ...(ignoreFile !== undefined ? { ignoreFile } : {}),
    vex: options.vex,
    onWarning: (message) => progress.warn(message),
    onProgress: (message) => progress.step(message),
  }).finally(() => layerCache?.close());
  progress.done(`${result.findings.length} vulnerabilities (${result.ignored.length} left out)`);
  const { renderScan } = await import('../report/render.js');
  const text = await renderScan(
    {
      inventory: result.inventory,
      findings: result.findings,
      ignored: result.ignored,
      warnings: result.warnings,
      ...(result.eol !== undefined ? { eol: result.eol } : {}),
    },
    options.format,
    { toolVersion: version },
  );
  if (options.output) await writeFile(options.output, text);
  else io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  if (exitCode !== 0 && result.findings.length > 0) throw new ExitCodeError(exitCode);
}
