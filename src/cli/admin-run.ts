/**
 * The actions of `moat admin`: `gc` opens the stores the server's configuration names, runs one
 * GC pass and prints what it freed (or, with `--dry-run`, what it would free).
 */
import { MoatError } from '../errors.js';
import { runGc, type GcReport } from '../jobs/gc.js';
import { parseDuration } from '../server/config-values.js';
import { openStores } from '../store/open.js';
import type { CliIo } from './io.js';
import { loadConfigOfFlags } from './serve-config.js';

/** Options of `moat admin gc` as commander parses them. */
export interface GcCommandOptions {
  dryRun?: boolean;
  untagged?: boolean;
  gracePeriod?: string;
  config?: string;
  data?: string;
  format: 'table' | 'json';
}

/** `moat admin gc`. */
export async function runGcCommand(options: GcCommandOptions, io: CliIo): Promise<void> {
  const config = loadConfigOfFlags({ config: options.config, data: options.data });
  let gracePeriodMs = config.gc.gracePeriodMs;
  if (options.gracePeriod !== undefined) {
    const parsed = parseDuration(options.gracePeriod);
    if (parsed === undefined) {
      throw new MoatError(
        'USAGE',
        `--grace-period: ${options.gracePeriod} is not a duration such as 30m or 1h`,
      );
    }
    gracePeriodMs = parsed;
  }
  const stores = await openStores(config.stores);
  try {
    const report = await runGc(stores, {
      dryRun: options.dryRun ?? false,
      untagged: options.untagged ?? config.gc.untagged,
      gracePeriodMs,
    });
    io.stdout.write(
      options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : describe(report),
    );
  } finally {
    await stores.close();
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The report as a few lines of text. */
function describe(report: GcReport): string {
  const { candidates } = report;
  if (report.dryRun) {
    const bytes = candidates.blobs.reduce((sum, blob) => sum + blob.size, 0);
    const lines = [
      `would delete ${candidates.blobs.length} blobs (${mebibytes(bytes)}), ${candidates.manifests.length} manifests`,
    ];
    for (const manifest of candidates.manifests)
      lines.push(`manifest ${manifest.repository}@${manifest.digest}`);
    for (const blob of candidates.blobs) lines.push(`blob ${blob.digest} ${blob.size}`);
    for (const blob of candidates.strayBlobs) lines.push(`stray ${blob.digest} ${blob.size}`);
    if (candidates.manifests.length > 0) {
      lines.push(
        '(blobs that only the listed manifests reference are freed by the real run as well)',
      );
    }
    return `${lines.join('\n')}\n`;
  }
  let text = `deleted ${report.blobsDeleted} blobs (${mebibytes(report.bytesFreed)}), ${report.manifestsDeleted} manifests\n`;
  if (report.strayBlobsAdopted > 0) {
    text += `${report.strayBlobsAdopted} stray blobs without a record found: a run after the grace period removes them\n`;
  }
  if (report.errors > 0)
    text += `${report.errors} blobs could not be deleted: the next run retries them\n`;
  return text;
}
