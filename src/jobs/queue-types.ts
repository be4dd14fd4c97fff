/**
 * The job queue seam: background work (scan on push, rescans after a database change) is added
 * to a queue and run by handlers. Two implementations behind one interface: in-process (the
 * embedded default: jobs run in the `moat serve` process) and BullMQ on Redis
 * (`jobs.redisUrl` / `MOAT_REDIS_URL`: jobs run on any `moat worker` or `moat serve` process;
 * a job whose process dies is retried elsewhere once its lock expires).
 */

/** The jobs Moat runs, with their data (JSON). */
export interface JobTypes {
  /** Scan one stored manifest (an image or an index) and store its SBOM, report and referrers. */
  scan: { repository: string; digest: string };
  /** Re-match every stored scan against the current vulnerability database and re-decide. */
  rescan: { reason: string };
}

export type JobName = keyof JobTypes;

/** Options of one added job. */
export interface AddJobOptions {
  /**
   * Deduplication: a job with the same id that is waiting or running is not added again (the
   * scan of one digest is one job).
   */
  jobId?: string;
  /** Attempts before the job counts as failed (default 3). */
  attempts?: number;
}

/** A job being run. */
export interface RunningJob<N extends JobName> {
  id: string;
  name: N;
  data: JobTypes[N];
  /** 1 on the first run. */
  attempt: number;
  /** Attempts allowed in all: a throw on the last one fails the job for good. */
  attempts: number;
}

/** Runs jobs of one name; a throw fails the attempt (retried with backoff until `attempts`). */
export type JobHandler<N extends JobName> = (job: RunningJob<N>) => Promise<void>;

/** A queue of jobs; handlers registered with `process` run on this process. */
export interface JobQueue {
  readonly kind: 'in-process' | 'redis';
  add<N extends JobName>(name: N, data: JobTypes[N], options?: AddJobOptions): Promise<void>;
  /** Starts running jobs of `name` on this process, at most `concurrency` at once. */
  process<N extends JobName>(name: N, handler: JobHandler<N>, concurrency: number): void;
  /** Jobs waiting or running, by name (for `/readyz`, metrics and tests). */
  counts(): Promise<Record<JobName, number>>;
  /** Waits until no job is waiting or running (tests, `moat admin`), up to `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops taking jobs, waits for running ones up to `timeoutMs`, closes connections. */
  close(timeoutMs: number): Promise<void>;
  /**
   * Tells every process sharing the queue, this one included, a short message (a scan changed:
   * its digest), so that listeners elsewhere re-decide. At most once, in no guaranteed order.
   */
  broadcast?(message: string): Promise<void>;
  /** Listens to {@link JobQueue.broadcast} messages; returns the unsubscribe function. */
  onBroadcast?(listener: (message: string) => void): () => void;
}
