/**
 * The action of `moat scan` (defined in scan.ts): parse the options, run `scanImage`, render the
 * report, apply `--exit-code`. Loaded only when the command runs. `prepareScan` turns the shared
 * scan flags into `scanImage` options for `moat policy check` too.
 */
import { stat } from 'node:fs/promises';

import { MoatError } from '../errors.js';
import { parseSeverityList } from '../filter/severity.js';
import { scanImage, type ScanOptions } from '../scan.js';
import { layerCachePath, vulnDbPath } from '../util/cache-paths.js';
import { ExitCodeError, type CliIo } from './io.js';
import { openLayerCache } from './layer-cache.js';
import type { CommonOptions } from './options.js';
import { refuseOutputOverInput, targetInputs, writeResult, type NamedInput } from './output.js';
import { createProgress, type Progress } from './progress.js';
import { defaultIgnoreFile, type ScanFilterFlags, type ScanFlags } from './scan.js';
import { version } from './version.js';

/** Options of `moat scan`: the shared ones and the scan's own flags. */
export interface ScanCliOptions extends CommonOptions {
  scan: ScanFlags;
}

function parseExitCode(text: string): number {
  const code = Number(text);
  if (!/^\d+$/.test(text) || code > 255) {
    throw new MoatError('USAGE', `--exit-code: "${text}" is not a number from 0 to 255`);
  }
  return code;
}

async function ignoreFileOf(flags: ScanFilterFlags): Promise<string | undefined> {
  if (flags.ignorefile !== undefined) return flags.ignorefile;
  const present = await stat(defaultIgnoreFile).then(
    (info) => info.isFile(),
    () => false,
  );
  return present ? defaultIgnoreFile : undefined;
}

/** Every file a scan reads, which `--output` must not overwrite. */
async function scanInputs(
  target: string,
  options: CommonOptions & { scan: ScanFilterFlags },
  ignoreFile: string | undefined,
): Promise<NamedInput[]> {
  return [
    ...(await targetInputs(target)),
    ...(ignoreFile !== undefined ? [{ what: 'ignore file', path: ignoreFile }] : []),
    ...options.scan.vex.map((path) => ({ what: 'VEX document', path })),
    { what: 'vulnerability database', path: vulnDbPath(options.cache.dir) },
    ...(options.cache.layers
      ? [{ what: 'layer cache', path: layerCachePath(options.cache.dir) }]
      : []),
  ];
}

/** A scan ready to run: its options, the progress display, and what to close afterwards. */
export interface PreparedScan {
  options: ScanOptions;
  progress: Progress;
  /** Closes the layer cache. */
  close(): void;
}

/**
 * Turns the flags every scanning command shares (`moat scan`, `moat policy check`) into
 * `scanImage` options: severities parsed, the ignore file found, `--output` checked against every
 * input (and `extraInputs`), the layer cache opened.
 */
export async function prepareScan(
  target: string,
  options: CommonOptions & { scan: ScanFilterFlags },
  io: CliIo,
  extraInputs: readonly NamedInput[] = [],
): Promise<PreparedScan> {
  const flags = options.scan;
  const severities = flags.severity === undefined ? undefined : parseSeverityList(flags.severity);
  const ignoreFile = await ignoreFileOf(flags);
  await refuseOutputOverInput(options.output.file, [
    ...(await scanInputs(target, options, ignoreFile)),
    ...extraInputs,
  ]);
  const progress = createProgress(io, options.output);
  const layerCache = openLayerCache(options.cache, (message) => progress.warn(message));
  return {
    options: {
      ...options.image,
      ...(layerCache ? { layerCache } : {}),
      ...(options.cache.dir !== undefined ? { cacheDir: options.cache.dir } : {}),
      ...(flags.offline ? { offline: true } : {}),
      ...(severities !== undefined ? { severities } : {}),
      ...(flags.ignoreUnfixed ? { ignoreUnfixed: true } : {}),
      ...(options.catalog.includeDevDeps ? { includeDevDeps: true } : {}),
      ...(ignoreFile !== undefined ? { ignoreFile } : {}),
      vex: flags.vex,
      onWarning: (message) => progress.warn(message),
      onProgress: (message) => progress.step(message),
    },
    progress,
    close: () => layerCache?.close(),
  };
}

/** Runs `moat scan TARGET`. */
export async function runScan(target: string, options: ScanCliOptions, io: CliIo): Promise<void> {
  const flags = options.scan;
  const exitCode = parseExitCode(flags.exitCode);
  const prepared = await prepareScan(target, options, io);
  const { progress } = prepared;
  const startedOn = new Date().toISOString();
  const result = await scanImage(target, prepared.options).finally(() => prepared.close());
  const finishedOn = new Date().toISOString();
  progress.done(`${result.findings.length} vulnerabilities (${result.ignored.length} left out)`);
  const { renderScan } = await import('../report/render.js');
  const text = await renderScan(
    {
      inventory: result.inventory,
      findings: result.findings,
      ignored: result.ignored,
      warnings: result.warnings,
      ...(result.eol !== undefined ? { eol: result.eol } : {}),
      scannedAt: { startedOn, finishedOn },
    },
    flags.format,
    { toolVersion: version },
  );
  await writeResult(text, options.output, io);
  if (exitCode !== 0 && result.findings.length > 0) throw new ExitCodeError(exitCode);
}
