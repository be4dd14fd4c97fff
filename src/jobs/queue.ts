/**
 * `openJobQueue`: the job queue the configuration asks for — in-process without
 * `jobs.redisUrl` (the embedded default), BullMQ on Redis with it (`moat worker` processes and
 * every `moat serve` share the jobs; see `queue-redis.ts`).
 */
import type { ServeConfig } from '../server/config.js';
import { openMemoryQueue } from './queue-memory.js';
import type { JobName, JobQueue, RunningJob } from './queue-types.js';

/** Options of {@link openJobQueue}. */
export interface JobQueueOptions {
  /** Told about a job that failed for good. */
  onFailed?: (job: RunningJob<JobName>, error: unknown) => void;
  /** Key prefix in Redis (default `moat`): processes sharing jobs use the same one. */
  prefix?: string;
  /** How long a job holds its lock without renewing it (a dead process's job is retried after). */
  lockDurationMs?: number;
  /** First retry delay (doubled per attempt). */
  backoffMs?: number;
}

/**
 * Opens the configured queue.
 * @example
 * const queue = await openJobQueue(config.jobs, { onFailed: (job, err) => log.warn({ err }, job.id) });
 */
export async function openJobQueue(
  config: ServeConfig['jobs'],
  options: JobQueueOptions = {},
): Promise<JobQueue> {
  if (config.redisUrl === undefined) {
    return openMemoryQueue({
      ...(options.onFailed ? { onFailed: options.onFailed } : {}),
      ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    });
  }
  // BullMQ and ioredis load only when Redis is configured.
  const { openRedisQueue } = await import('./queue-redis.js');
  return openRedisQueue({ url: config.redisUrl, ...options });
}
