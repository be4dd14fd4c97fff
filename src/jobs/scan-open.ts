/**
 * Scanning as `moat serve` and `moat worker` run it, from the configuration: the job queue
 * (in-process or Redis), the internal registry over the stores, the registry's signing key and
 * the {@link ScanService} that runs jobs on this process. One function so that both commands
 * assemble the same thing.
 */
import type { AuditRecorder, SecretBox } from '../auth/model.js';
import type { ServeConfig } from '../server/config.js';
import type { RegistryContext } from '../server/context.js';
import type { InternalRegistry } from '../server/gate-types.js';
import { openInternalRegistry } from '../server/internal-registry.js';
import { loadRegistrySigningKey, type RegistrySigningKey } from '../server/signing-key.js';
import type { OpenStores } from '../store/open.js';
import { openJobQueue } from './queue.js';
import type { JobQueue } from './queue-types.js';
import { openScanService, type OpenScanService } from './scan-service.js';
import type { ScanLog } from './scan-run.js';

/** What {@link openScanning} opened. */
export interface Scanning {
  queue: JobQueue;
  internal: InternalRegistry;
  signing: RegistrySigningKey;
  scans: OpenScanService;
  /** Stops taking jobs (waiting for running ones up to `timeoutMs`), closes the queue. */
  close(timeoutMs: number): Promise<void>;
}

/** Options of {@link openScanning}. */
export interface ScanningOptions {
  config: Pick<ServeConfig, 'jobs' | 'scan' | 'limits'>;
  stores: Pick<OpenStores, 'meta' | 'blobs' | 'database'>;
  audit: AuditRecorder;
  secrets: SecretBox;
  log: ScanLog;
  /** Moat's version, for the attached documents. */
  version?: string;
  /** Overrides of the timings (tests). */
  timings?: { lockDurationMs?: number; backoffMs?: number; dbWatchMs?: number };
}

/**
 * Opens the queue, the internal registry, the signing key and the scan service; this process
 * runs `jobs.concurrency` scans at once.
 * @example
 * const scanning = await openScanning({ config, stores, audit: access.audit, secrets: access.secrets, log: app.log });
 * context.scans = scanning.scans;
 */
export async function openScanning(options: ScanningOptions): Promise<Scanning> {
  const { config, stores, log } = options;
  const timings = options.timings ?? {};
  const queue = await openJobQueue(config.jobs, {
    onFailed: (job, error) => log.warn({ job: job.id, err: error }, 'job failed'),
    ...(config.jobs.prefix !== undefined ? { prefix: config.jobs.prefix } : {}),
    ...(config.jobs.lockTimeoutMs !== undefined
      ? { lockDurationMs: config.jobs.lockTimeoutMs }
      : {}),
    ...(timings.lockDurationMs !== undefined ? { lockDurationMs: timings.lockDurationMs } : {}),
    ...(timings.backoffMs !== undefined ? { backoffMs: timings.backoffMs } : {}),
  });
  let internal: InternalRegistry | undefined;
  try {
    const context: Omit<RegistryContext, 'access'> = {
      meta: stores.meta,
      blobs: stores.blobs,
      audit: options.audit,
      limits: config.limits,
    };
    internal = await openInternalRegistry(context);
    const signing = await loadRegistrySigningKey(stores.meta, options.secrets);
    const lockDurationMs = timings.lockDurationMs ?? config.jobs.lockTimeoutMs ?? 30_000;
    const scans = openScanService({
      meta: stores.meta,
      blobs: stores.blobs,
      database: stores.database,
      queue,
      scan: { cacheDir: config.scan.cacheDir, offline: config.scan.offline },
      signer: {
        internal,
        key: signing.key,
        ...(options.version !== undefined ? { toolVersion: options.version } : {}),
      },
      work: { concurrency: config.jobs.concurrency },
      staleAfterMs: lockDurationMs,
      ...(timings.dbWatchMs !== undefined ? { dbWatchMs: timings.dbWatchMs } : {}),
      log,
    });
    const opened = internal;
    return {
      queue,
      internal: opened,
      signing,
      scans,
      async close(timeoutMs) {
        scans.close();
        await queue.close(timeoutMs);
        await opened.close();
      },
    };
  } catch (error) {
    await internal?.close().catch(() => undefined);
    await queue.close(0).catch(() => undefined);
    throw error;
  }
}
