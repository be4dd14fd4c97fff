/**
 * The {@link JobQueue} on BullMQ (Redis): one BullMQ queue per job name under a key prefix, a
 * BullMQ worker per name on each process that runs handlers. A job holds a lock it renews while
 * it runs; when its process dies the lock expires, another process's stalled-job check moves it
 * back to waiting and it runs there (`maxStalledCount` deaths are tolerated before it fails).
 * A thrown attempt is retried with exponential backoff up to `attempts`. Finished jobs are
 * removed, so that a later job with the same id (a failed scan requested again) is added anew.
 * Broadcasts go through Redis pub/sub on `<prefix>:broadcast`. The Redis URL is never logged.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';

import { MoatError } from '../errors.js';

import {
  attemptsOf,
  jobNames,
  settledWithin,
  waitUntilIdle,
  type QueueOptions,
} from './queue-common.js';
import type { AddJobOptions, JobHandler, JobName, JobQueue, JobTypes } from './queue-types.js';

/** Options of {@link openRedisQueue}. */
export interface RedisQueueOptions extends QueueOptions {
  url: string;
  /** Key prefix (default `moat`); processes that share jobs use the same one. */
  prefix?: string;
  /** Lock lifetime of a running job, ms (default 30 s): a dead process's job restarts after it. */
  lockDurationMs?: number;
}
/** How long adding a job may take before the caller is told Redis is unavailable. */
const addTimeoutMs = 5000;
/** A job whose process died this many times is failed rather than run again. */
const maxStalledCount = 5;

/**
 * Opens the Redis-backed queue (connections are opened lazily by ioredis and BullMQ).
 * @example const queue = openRedisQueue({ url: 'redis://127.0.0.1:6379' });
 */
export function openRedisQueue(options: RedisQueueOptions): JobQueue {
  const prefix = options.prefix ?? 'moat';
  const lockDuration = options.lockDurationMs ?? 30_000;
  const backoffMs = options.backoffMs ?? 1000;
  const connection = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: false });
  // An unreachable Redis surfaces as failed operations; the connection's own errors are retried.
  connection.on('error', () => undefined);
  const queues = new Map(
    jobNames.map((name) => [name, new Queue(name, { connection, prefix })] as const),
  );
  for (const queue of queues.values()) queue.on('error', () => undefined);
  const workers: Worker[] = [];
  const channel = `${prefix}:broadcast`;
  const listeners = new Set<(message: string) => void>();
  let subscriber: Redis | undefined;

  const queueOf = (name: JobName): Queue => queues.get(name) as Queue;

  const countOf = async (name: JobName): Promise<number> => {
    const counts = await queueOf(name).getJobCounts(
      'waiting',
      'active',
      'delayed',
      'prioritized',
      'waiting-children',
    );
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };

  return {
    kind: 'redis',
    async add<N extends JobName>(name: N, data: JobTypes[N], add: AddJobOptions = {}) {
      // Commands wait for a lost connection to come back; a push must not wait with them.
      let timer: NodeJS.Timeout | undefined;
      const added = queueOf(name).add(name, data, {
        ...(add.jobId !== undefined ? { jobId: add.jobId } : {}),
        attempts: attemptsOf(add),
        backoff: { type: 'exponential', delay: backoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      });
      try {
        await Promise.race([
          added,
          new Promise((_resolve, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new MoatError(
                    'ENVIRONMENT',
                    `Redis did not take the ${name} job within ${addTimeoutMs / 1000} s`,
                  ),
                ),
              addTimeoutMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    process<N extends JobName>(name: N, handler: JobHandler<N>, concurrency: number) {
      const worker = new Worker(
        name,
        async (job: Job) => {
          await handler({
            id: job.id ?? '',
            name,
            data: job.data as JobTypes[N],
            attempt: job.attemptsMade + 1,
            attempts: job.opts.attempts ?? 1,
          });
        },
        {
          connection,
          prefix,
          concurrency: Math.max(1, concurrency),
          lockDuration,
          stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
          maxStalledCount,
        },
      );
      worker.on('error', () => undefined);
      worker.on('failed', (job, error) => {
        if (job === undefined) return;
        // A job that failed for good: its last attempt threw, or it stalled too often.
        const final =
          job.attemptsMade >= (job.opts.attempts ?? 1) || /allowable limit/.test(error.message);
        if (!final) return;
        options.onFailed?.(
          {
            id: job.id ?? '',
            name,
            data: job.data as JobTypes[JobName],
            attempt: job.attemptsMade,
            attempts: job.opts.attempts ?? 1,
          },
          error,
        );
      });
      workers.push(worker);
    },
    async counts() {
      const [scan, rescan] = await Promise.all(jobNames.map(countOf));
      return { scan: scan ?? 0, rescan: rescan ?? 0 };
    },
    drain(timeoutMs: number) {
      const busy = async () =>
        (await Promise.all(jobNames.map(countOf))).reduce((sum, n) => sum + n, 0);
      return waitUntilIdle(busy, timeoutMs, 50);
    },
    async close(timeoutMs: number) {
      // Workers finish their running jobs, then the queues close; all of it within the bound,
      // even when Redis is gone (its commands would wait for a connection forever).
      const graceful = (async () => {
        await Promise.all(workers.map((worker) => worker.close()));
        await Promise.all([...queues.values()].map((queue) => queue.close()));
      })();
      if (!(await settledWithin(graceful, timeoutMs))) {
        for (const worker of workers) void worker.close(true).catch(() => undefined);
      }
      listeners.clear();
      subscriber?.disconnect();
      connection.disconnect();
    },
    async broadcast(message: string) {
      await connection.publish(channel, message);
    },
    onBroadcast(listener: (message: string) => void) {
      if (subscriber === undefined) {
        subscriber = connection.duplicate();
        subscriber.on('error', () => undefined);
        subscriber.on('message', (from: string, message: string) => {
          if (from !== channel) return;
          for (const each of listeners) each(message);
        });
        void subscriber.subscribe(channel).catch(() => undefined);
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
