import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { openJobQueue } from './queue.js';
import type { JobName, JobQueue, RunningJob } from './queue-types.js';

const redisUrl = process.env.MOAT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Resolves when `check` holds (tests never assert on time: this waits for an event). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(['in-process', 'redis'] as const)('the %s job queue', (kind) => {
  const queues: JobQueue[] = [];
  const prefix = `moat-test-${randomUUID()}`;

  const open = async (onFailed?: (job: RunningJob<JobName>, error: unknown) => void) => {
    const queue = await openJobQueue(
      kind === 'redis' ? { redisUrl, concurrency: 1 } : { concurrency: 1 },
      {
        prefix,
        backoffMs: 5,
        lockDurationMs: 5000,
        ...(onFailed ? { onFailed } : {}),
      },
    );
    queues.push(queue);
    return queue;
  };

  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.close(5000);
  });
  afterAll(async () => {
    // The run's keys go with it.
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('runs added jobs with their data, and drains', async () => {
    const queue = await open();
    expect(queue.kind).toBe(kind);
    const seen: string[] = [];
    queue.process(
      'scan',
      (job) => {
        seen.push(`${job.data.repository}@${job.data.digest}#${job.attempt}/${job.attempts}`);
        return Promise.resolve();
      },
      2,
    );
    await queue.add('scan', { repository: 'a', digest: 'd1' });
    await queue.add('scan', { repository: 'b', digest: 'd2' }, { attempts: 5 });
    expect(await queue.drain(20_000)).toBe(true);
    expect(seen.sort()).toEqual(['a@d1#1/3', 'b@d2#1/5']);
    expect(await queue.counts()).toEqual({ scan: 0, rescan: 0 });
  });

  it('adds a job id once while it waits or runs, and again once it is done', async () => {
    const queue = await open();
    let runs = 0;
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    await queue.add('rescan', { reason: 'one' }, { jobId: 'rescan-x' });
    await queue.add('rescan', { reason: 'two' }, { jobId: 'rescan-x' });
    expect(await queue.counts()).toEqual({ scan: 0, rescan: 1 });
    queue.process(
      'rescan',
      async () => {
        runs += 1;
        await blocked;
      },
      1,
    );
    await until(() => runs === 1, 'the job runs');
    await queue.add('rescan', { reason: 'three' }, { jobId: 'rescan-x' });
    release();
    expect(await queue.drain(20_000)).toBe(true);
    expect(runs).toBe(1);
    await queue.add('rescan', { reason: 'four' }, { jobId: 'rescan-x' });
    expect(await queue.drain(20_000)).toBe(true);
    expect(runs).toBe(2);
  });

  it('retries a failed attempt up to its attempts, then reports the failure', async () => {
    const failures: { job: RunningJob<JobName>; error: unknown }[] = [];
    const queue = await open((job, error) => failures.push({ job, error }));
    const attempts: number[] = [];
    queue.process(
      'scan',
      (job) => {
        attempts.push(job.attempt);
        return job.data.digest === 'flaky' && job.attempt === 2
          ? Promise.resolve()
          : Promise.reject(new Error(`attempt ${job.attempt} of ${job.data.digest} failed`));
      },
      1,
    );
    await queue.add('scan', { repository: 'r', digest: 'flaky' }, { attempts: 3 });
    await until(() => attempts.length === 2, 'the flaky job succeeds');
    expect(await queue.drain(20_000)).toBe(true);
    expect(attempts).toEqual([1, 2]);
    expect(failures).toEqual([]);

    attempts.length = 0;
    await queue.add('scan', { repository: 'r', digest: 'broken' }, { attempts: 2 });
    await until(() => failures.length === 1, 'the broken job fails for good');
    expect(attempts).toEqual([1, 2]);
    expect(failures[0]?.job.data).toEqual({ repository: 'r', digest: 'broken' });
    expect(String(failures[0]?.error)).toContain('attempt 2 of broken failed');
    expect(await queue.drain(20_000)).toBe(true);
  });

  it('runs at most `concurrency` jobs of a name at once', async () => {
    const queue = await open();
    let running = 0;
    let most = 0;
    queue.process(
      'scan',
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
      },
      2,
    );
    for (let i = 0; i < 6; i++) await queue.add('scan', { repository: 'r', digest: `d${i}` });
    expect(await queue.drain(20_000)).toBe(true);
    expect(most).toBe(2);
  });

  it('broadcasts to every listener sharing the queue', async () => {
    const one = await open();
    const two = kind === 'redis' ? await open() : one;
    const heard: string[] = [];
    one.onBroadcast?.((message) => heard.push(`one:${message}`));
    two.onBroadcast?.((message) => heard.push(`two:${message}`));
    // A Redis subscription is ready once a message sent after it arrives.
    await until(() => {
      void one.broadcast?.('ping');
      return heard.includes('one:ping') && heard.includes('two:ping');
    }, 'both listeners subscribed');
    // Pings sent while waiting may still arrive: count only the message under test.
    const abc = () => heard.filter((m) => m.endsWith('sha256:abc'));
    await two.broadcast?.('sha256:abc');
    await until(() => abc().length >= 2, 'both hear it');
    expect(abc().sort()).toEqual(['one:sha256:abc', 'two:sha256:abc']);
  });

  it('close waits for a running job', async () => {
    const queue = await open();
    let finished = false;
    let started = false;
    queue.process(
      'scan',
      async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished = true;
      },
      1,
    );
    await queue.add('scan', { repository: 'r', digest: 'slow' });
    await until(() => started, 'the job starts');
    await queue.close(10_000);
    expect(finished).toBe(true);
  });
});
