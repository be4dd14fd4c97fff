/**
 * The in-process {@link JobQueue} of the embedded default: jobs wait in memory and run in this
 * process, at most `concurrency` per name; a failed attempt is retried with exponential backoff
 * until `attempts`. A job id that is waiting, delayed or running is not added twice. Jobs do not
 * survive a restart: the scan service re-queues what its table still shows pending at start.
 */
import {
  attemptsOf,
  jobNames,
  settledWithin,
  waitUntilIdle,
  type QueueOptions,
} from './queue-common.js';
import type {
  AddJobOptions,
  JobHandler,
  JobName,
  JobQueue,
  JobTypes,
  RunningJob,
} from './queue-types.js';

/** Options of {@link openMemoryQueue} (a retry waits at most 60 s). */
export type MemoryQueueOptions = QueueOptions;

interface Entry {
  id: string;
  name: JobName;
  data: JobTypes[JobName];
  attempt: number;
  attempts: number;
}

/**
 * Opens an in-process queue.
 * @example
 * const queue = openMemoryQueue();
 * queue.process('scan', async (job) => scan(job.data), 1);
 * await queue.add('scan', { repository: 'team/app', digest }, { jobId: digest });
 */
export function openMemoryQueue(options: MemoryQueueOptions = {}): JobQueue {
  const backoffMs = options.backoffMs ?? 1000;
  const waiting = new Map<JobName, Entry[]>(jobNames.map((name) => [name, []]));
  const running = new Map<JobName, Set<Promise<void>>>(jobNames.map((name) => [name, new Set()]));
  const handlers = new Map<JobName, { handler: JobHandler<JobName>; concurrency: number }>();
  const ids = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const listeners = new Set<(message: string) => void>();
  const delayed = new Map<JobName, number>(jobNames.map((name) => [name, 0]));
  let closed = false;
  let sequence = 0;

  const pump = (name: JobName): void => {
    const registered = handlers.get(name);
    const queue = waiting.get(name) as Entry[];
    const active = running.get(name) as Set<Promise<void>>;
    while (!closed && registered && active.size < registered.concurrency && queue.length > 0) {
      const entry = queue.shift() as Entry;
      const run = runOne(entry, registered.handler).finally(() => {
        active.delete(run);
        pump(name);
      });
      active.add(run);
    }
  };

  const runOne = async (entry: Entry, handler: JobHandler<JobName>): Promise<void> => {
    const job: RunningJob<JobName> = {
      id: entry.id,
      name: entry.name,
      data: entry.data,
      attempt: entry.attempt,
      attempts: entry.attempts,
    };
    try {
      await handler(job);
      ids.delete(entry.id);
    } catch (error) {
      if (entry.attempt >= entry.attempts || closed) {
        ids.delete(entry.id);
        options.onFailed?.(job, error);
        return;
      }
      const delay = Math.min(backoffMs * 2 ** (entry.attempt - 1), 60_000);
      delayed.set(entry.name, (delayed.get(entry.name) ?? 0) + 1);
      const timer = setTimeout(() => {
        timers.delete(timer);
        delayed.set(entry.name, (delayed.get(entry.name) ?? 1) - 1);
        (waiting.get(entry.name) as Entry[]).push({ ...entry, attempt: entry.attempt + 1 });
        pump(entry.name);
      }, delay);
      timers.add(timer);
    }
  };

  const countOf = (name: JobName): number =>
    (waiting.get(name) as Entry[]).length +
    (running.get(name) as Set<Promise<void>>).size +
    (delayed.get(name) ?? 0);
  const busy = (): number => jobNames.reduce((n, name) => n + countOf(name), 0);

  return {
    kind: 'in-process',
    add<N extends JobName>(name: N, data: JobTypes[N], add: AddJobOptions = {}) {
      if (closed) return Promise.resolve();
      const id = add.jobId ?? `${name}-${++sequence}`;
      if (ids.has(id)) return Promise.resolve();
      ids.add(id);
      (waiting.get(name) as Entry[]).push({
        id,
        name,
        data,
        attempt: 1,
        attempts: attemptsOf(add),
      });
      // Started on the next turn, so that the caller's own bookkeeping comes first.
      setImmediate(() => pump(name));
      return Promise.resolve();
    },
    process<N extends JobName>(name: N, handler: JobHandler<N>, concurrency: number) {
      handlers.set(name, {
        handler: handler as unknown as JobHandler<JobName>,
        concurrency: Math.max(1, concurrency),
      });
      pump(name);
    },
    counts() {
      return Promise.resolve({ scan: countOf('scan'), rescan: countOf('rescan') });
    },
    drain(timeoutMs: number) {
      return waitUntilIdle(busy, timeoutMs, 20);
    },
    async close(timeoutMs: number) {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const active = jobNames.flatMap((name) => [...(running.get(name) as Set<Promise<void>>)]);
      await settledWithin(Promise.allSettled(active), timeoutMs);
      listeners.clear();
    },
    broadcast(message: string) {
      for (const listener of listeners) listener(message);
      return Promise.resolve();
    },
    onBroadcast(listener: (message: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
