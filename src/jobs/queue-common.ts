/**
 * What the two {@link JobQueue} implementations (`queue-memory.ts`, `queue-redis.ts`) share: the
 * job names, the options both take, the attempts default, and the bounded waits of `drain` and
 * `close`.
 */
import type { AddJobOptions, JobName, RunningJob } from './queue-types.js';

/** Every job name, in the order counts and queues are listed. */
export const jobNames: JobName[] = ['scan', 'rescan'];

/** Options both queues take. */
export interface QueueOptions {
  /** First retry delay, doubled for each further attempt (default 1 s). */
  backoffMs?: number;
  /** Told about a job that failed for good (its last attempt threw). */
  onFailed?: (job: RunningJob<JobName>, error: unknown) => void;
}

/** The attempts of an added job: `add.attempts`, default 3, at least 1. */
export function attemptsOf(add: AddJobOptions): number {
  return Math.max(1, add.attempts ?? 3);
}

/** True once `work` settles (fulfilled or rejected), false when `timeoutMs` passes first. */
export async function settledWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `busy` (jobs waiting or running) every `pollMs` until it counts none (true) or
 * `timeoutMs` has passed (false).
 */
export async function waitUntilIdle(
  busy: () => number | Promise<number>,
  timeoutMs: number,
  pollMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while ((await busy()) > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}
