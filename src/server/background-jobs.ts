/**
 * The background work of one `moat serve` process: garbage collection on `gc.schedule` and
 * upload expiry every quarter of `limits.uploadTtl` (at most every 5 minutes), each reported to
 * the log and the metrics. Several processes on one database may run them at once: the jobs
 * themselves are safe against that (`jobs/gc.ts`, `jobs/uploads.ts`).
 */
import type { FastifyBaseLogger } from 'fastify';

import { runGc } from '../jobs/gc.js';
import { expireUploads } from '../jobs/uploads.js';
import type { BlobStore, MetadataStore } from '../store/types.js';
import type { ServeConfig } from './config.js';
import type { ServerMetrics } from './metrics.js';
import { repeat, type RepeatingJob } from './schedule.js';

/** Upload expiry runs at least this often. */
const maxExpiryIntervalMs = 5 * 60_000;

/** Schedules the jobs `config` asks for; stop each with `stop()`. */
export function startBackgroundJobs(
  config: ServeConfig,
  stores: { meta: MetadataStore; blobs: BlobStore },
  metrics: ServerMetrics,
  logger: FastifyBaseLogger,
): RepeatingJob[] {
  const ctx = { meta: stores.meta, blobs: stores.blobs };
  const jobs: RepeatingJob[] = [];
  if (config.gc.intervalMs !== undefined) {
    jobs.push(
      repeat(
        config.gc.intervalMs,
        async () => {
          try {
            const report = await runGc(ctx, {
              dryRun: false,
              untagged: config.gc.untagged,
              gracePeriodMs: config.gc.gracePeriodMs,
              log: (message) => logger.info({ job: 'gc' }, message),
            });
            metrics.gcRun({ ok: true, ...report });
            const { blobsDeleted, bytesFreed, manifestsDeleted } = report;
            logger.info(
              { job: 'gc', blobsDeleted, bytesFreed, manifestsDeleted },
              'garbage collection done',
            );
          } catch (error) {
            metrics.gcRun({ ok: false, bytesFreed: 0, blobsDeleted: 0 });
            throw error;
          }
        },
        (error) => logger.error({ job: 'gc', err: error }, 'garbage collection failed'),
      ),
    );
  }
  const uploadTtlMs = config.limits.uploadTtlMs;
  jobs.push(
    repeat(
      Math.min(Math.max(1000, Math.floor(uploadTtlMs / 4)), maxExpiryIntervalMs),
      async () => {
        const count = await expireUploads(ctx, uploadTtlMs);
        metrics.uploadsExpired(count);
        if (count > 0) logger.info({ job: 'uploads', expired: count }, 'upload sessions expired');
      },
      (error) => logger.error({ job: 'uploads', err: error }, 'upload expiry failed'),
    ),
  );
  return jobs;
}
