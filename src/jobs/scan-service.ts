/**
 * The {@link ScanService} of `moat serve` and `moat worker`: requests record a scan in
 * `artifact_scans` and queue a `scan` job (one per digest); the jobs run on whichever process
 * takes them (`scan-run.ts`); `waitFor` runs a scan still only queued at once on this process;
 * rescans follow vulnerability database changes (`rescan.ts`). Listeners hear of every change,
 * from any process sharing the queue, through its broadcast.
 */
import { MoatError } from '../errors.js';
import type { ScanRecord, ScanService } from '../server/gate-types.js';
import {
  endScan,
  getScanRow,
  insertScanIfAbsent,
  listAbandonedScans,
  requeueScan,
} from '../store/gate/scans.js';
import { getScanDocuments } from '../store/gate/scan-results.js';
import type { StoreDatabase } from '../store/metadata/database.js';
import type { BlobStore, MetadataStore } from '../store/types.js';
import { defaultLimits, type Limits } from '../util/limits.js';
import type { JobQueue, RunningJob } from './queue-types.js';
import { rescanStored, watchVulnDb, type RescanReport, type WatchedVersion } from './rescan.js';
import { classifyManifest } from './scan-image.js';
import { recordOf, scanJobId, storedScanOf } from './scan-records.js';
import type { ReferrerSigner } from './scan-referrers.js';
import { runScan, type RunOutcome, type ScanLog, type ScanRunner } from './scan-run.js';

/** Options of {@link openScanService}. */
export interface ScanServiceOptions {
  meta: MetadataStore;
  blobs: BlobStore;
  database: StoreDatabase;
  queue: JobQueue;
  /** The vulnerability database: `scan.cacheDir` and `scan.offline` of the configuration. */
  scan: { cacheDir: string; offline: boolean };
  /** Signs and attaches the SBOM and report referrers; absent: none are attached. */
  signer?: ReferrerSigner;
  /** Runs `scan` and `rescan` jobs on this process, at most `concurrency` scans at once. */
  work?: { concurrency: number };
  /** How often the database file is checked for a change, ms (0: never; default 5 s). */
  dbWatchMs?: number;
  /** A `running` scan not touched for this long belongs to a dead process (default 30 s). */
  staleAfterMs?: number;
  limits?: Partial<Limits>;
  log?: ScanLog;
}

/** The scan service with what its owner needs. */
export interface OpenScanService extends ScanService {
  /** Re-matches every stored scan not matched against the current database. */
  rescan(reason: string): Promise<RescanReport>;
  /** Stops watching the database (the queue is its owner's to close). */
  close(): void;
}

const silent: ScanLog = { info: () => undefined, warn: () => undefined };

/**
 * Opens the scan service over the stores and the queue; with `work`, this process runs jobs.
 * @example
 * const scans = openScanService({ meta, blobs, database, queue, scan: config.scan, work: { concurrency: 1 } });
 * await scans.request('team/app', digest);
 * const record = await scans.waitFor('team/app', digest, 60_000);
 */
export function openScanService(options: ScanServiceOptions): OpenScanService {
  const { database, queue } = options;
  const log = options.log ?? silent;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const runner: ScanRunner = {
    meta: options.meta,
    blobs: options.blobs,
    database,
    scan: options.scan,
    limits,
    ...(options.signer ? { signer: options.signer } : {}),
    staleAfterMs,
    log,
    host: options.signer?.internal.host ?? 'moat.internal',
    onStored: (digest) => {
      if (local.has(digest)) told.add(digest);
      return changed(digest);
    },
  };
  /** Digests whose listeners were told when their results were stored (not again at the end). */
  const told = new Set<string>();
  const listeners = new Set<(digest: string) => void>();
  const local = new Map<string, Promise<RunOutcome>>();
  /** The database version the watcher saw last. */
  let latest: WatchedVersion | undefined;
  /**
   * A scan that matched against a database replaced while it ran missed that change's rescan
   * (which may have finished first): queue one more.
   */
  const catchUp = async (digest: string): Promise<void> => {
    const known = latest;
    if (known === undefined) return;
    const row = await getScanRow(database, digest);
    if (
      row?.dbVersion !== null &&
      row?.dbVersion !== undefined &&
      row.dbVersion !== known.version
    ) {
      queueRescan(known);
    }
  };

  const notify = (digest: string): void => {
    for (const listener of listeners) {
      try {
        listener(digest);
      } catch (error) {
        log.warn({ digest, err: error }, 'a scan listener failed');
      }
    }
  };
  const unsubscribe = queue.onBroadcast?.(notify);
  const changed = async (digest: string): Promise<void> => {
    if (queue.broadcast) await queue.broadcast(digest);
    else notify(digest);
  };

  /** Runs the scan here, unless it already runs here. */
  const runHere = (
    repository: string,
    digest: string,
    attempt: { attempt: number; attempts: number },
  ) => {
    let running = local.get(digest);
    if (running === undefined) {
      running = runScan(runner, repository, digest, attempt).finally(() => local.delete(digest));
      local.set(digest, running);
      void running.then(
        async (outcome) => {
          if (outcome === 'busy') return;
          if (!told.delete(digest)) await changed(digest);
          if (outcome === 'done') await catchUp(digest);
        },
        () => undefined,
      );
    }
    return running;
  };

  const get = async (digest: string): Promise<ScanRecord | undefined> => {
    const row = await getScanRow(database, digest);
    return row && recordOf(row);
  };

  const request = async (repository: string, digest: string): Promise<ScanRecord> => {
    const record = await options.meta.getManifest(repository, digest);
    if (record === undefined) {
      throw new MoatError('NOT_FOUND', `${repository}@${digest} is not stored`);
    }
    let kind;
    try {
      kind = classifyManifest(record, limits);
    } catch (error) {
      // A manifest that cannot be read is not something to wave through: the scan fails.
      const message = error instanceof Error ? error.message : String(error);
      const { row } = await insertScanIfAbsent(
        database,
        { digest, repository, state: 'failed', error: message },
        Date.now(),
      );
      return recordOf(row);
    }
    const now = Date.now();
    if (kind.kind === 'not_applicable') {
      const { row } = await insertScanIfAbsent(
        database,
        { digest, repository, state: 'not_applicable', error: kind.reason },
        now,
      );
      return recordOf(row);
    }
    let { row } = await insertScanIfAbsent(database, { digest, repository, state: 'pending' }, now);
    if (row.state === 'failed' || row.state === 'running') {
      if (await requeueScan(database, digest, repository, now - staleAfterMs, now)) {
        row = (await getScanRow(database, digest)) ?? row;
      }
    }
    // Queued again while pending too: the job may have been lost with an in-process queue.
    if (row.state === 'pending')
      await queue.add('scan', { repository, digest }, { jobId: scanJobId(digest) });
    return recordOf(row);
  };

  const scanJob = async (job: RunningJob<'scan'>): Promise<void> => {
    const { repository, digest } = job.data;
    let outcome = await runHere(repository, digest, job);
    // Another live process (a pull waiting for it) holds the scan: wait for it to end, or to
    // go stale, and take it then.
    while (outcome === 'busy') {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, staleAfterMs / 3)));
      outcome = await runHere(repository, digest, job);
    }
    if (outcome === 'retry') throw new MoatError('INTERNAL', `scan of ${digest} failed; retrying`);
  };

  const rescan = async (reason: string): Promise<RescanReport> => {
    const report = await rescanStored(runner, reason, changed);
    log.info({ reason, ...report }, 'stored scans re-matched');
    return report;
  };

  /** Queues again the scans whose job was lost or whose process died. */
  const sweep = async (): Promise<void> => {
    const now = Date.now();
    for (const { digest, repository } of await listAbandonedScans(
      database,
      now - staleAfterMs,
      100,
    )) {
      if (local.has(digest)) continue;
      try {
        await request(repository, digest);
      } catch (error) {
        // The manifest was deleted meanwhile: nothing will scan it.
        await endScan(database, digest, 'failed', (error as Error).message, Date.now());
      }
    }
  };
  let sweeper: NodeJS.Timeout | undefined;
  if (options.work) {
    queue.process('scan', scanJob, options.work.concurrency);
    queue.process('rescan', async (job) => void (await rescan(job.data.reason)), 1);
    const sweepSafely = () =>
      void sweep().catch((error: unknown) =>
        log.warn({ err: error }, 'could not re-queue abandoned scans'),
      );
    sweepSafely();
    sweeper = setInterval(sweepSafely, Math.max(staleAfterMs, 1000));
    sweeper.unref();
  }
  const queueRescan = (version: WatchedVersion): void => {
    void queue
      .add('rescan', { reason: `database ${version.version}` }, { jobId: `rescan-${version.hash}` })
      .catch((error: unknown) => log.warn({ err: error }, 'could not queue a rescan'));
  };
  const stopWatching =
    options.dbWatchMs === 0
      ? () => undefined
      : watchVulnDb(options.scan.cacheDir, options.dbWatchMs ?? 5000, (version) => {
          latest = version;
          queueRescan(version);
        });

  return {
    request,
    get,
    async result(digest) {
      const row = await getScanRow(database, digest);
      if (row?.state !== 'done') return undefined;
      const documents = await getScanDocuments(database, digest);
      return documents && storedScanOf(row, documents);
    },
    async waitFor(repository, digest, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let record: ScanRecord | undefined =
        (await get(digest)) ?? (await request(repository, digest));
      while (record !== undefined && (record.state === 'pending' || record.state === 'running')) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const running =
          local.get(digest) ??
          (record.state === 'pending'
            ? runHere(record.repository, digest, { attempt: 1, attempts: 1 })
            : undefined);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          running ?? Promise.resolve(),
          new Promise((resolve) => {
            timer = setTimeout(resolve, running ? left : Math.min(left, 200));
          }),
        ]);
        clearTimeout(timer);
        record = await get(digest);
      }
      return record;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    rescan,
    close() {
      clearInterval(sweeper);
      stopWatching();
      unsubscribe?.();
    },
  };
}
