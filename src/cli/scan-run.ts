/**
 * The action of `moat scan` (defined in scan.ts): parse the options, run `scanImage`, render the
 * report, apply `--exit-code`. Loaded only when the command runs.
 */
import { stat, writeFile } from 'node:fs/promises';

import { MoatError } from '../errors.js';
import { parseSeverityList } from '../filter/severity.js';
import { parsePlatform } from '../image/platform.js';
import { scanImage } from '../scan.js';
import type { CliIo } from './main.js';
import { openLayerCache } from './layer-cache.js';
import { boundMemoryForStreaming } from './memory.js';
import { createProgress } from './progress.js';
import { defaultIgnoreFile, ExitCodeError, type ScanCliOptions } from './scan.js';
import { version } from './version.js';

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

/** Runs `moat scan TARGET`. */
export async function runScan(target: string, options: ScanCliOptions, io: CliIo): Promise<void> {
  if (options.password !== undefined && options.username === undefined) {
    throw new MoatError('USAGE', '--password needs --username');
  }
  const exitCode = parseExitCode(options.exitCode);
  const severities =
    options.severity === undefined ? undefined : parseSeverityList(options.severity);
  const platform = options.platform === undefined ? undefined : parsePlatform(options.platform);
  const ignoreFile = await ignoreFileOf(options);
  const progress = createProgress(io, { quiet: options.quiet === true });
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
    ...(options.includeDevDeps ? { includeDevDeps: true } : {}),
    ...(ignoreFile !== undefined ? { ignoreFile } : {}),
    vex: options.vex,
    onWarning: (message) => progress.warn(message),
    onProgress: (message) => progress.step(message),
    onLayer: (_index, _total, cached) => {
      if (!cached) boundMemoryForStreaming();
    },
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
