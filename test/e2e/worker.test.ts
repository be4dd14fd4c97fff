/**
 * `moat worker` against Redis: scan jobs queued by one process run on worker processes; a worker
 * killed with SIGKILL in the middle of a scan leaves its job locked, and once the lock expires
 * another worker runs it to the end. The stores are PostgreSQL and a shared data directory, as
 * in a scaled-out installation; the queue has a key prefix of its own for this run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pushLayout } from '../../src/jobs/__fixtures__/push-layout.js';
import { openScanWorld, type ScanWorld } from '../../src/jobs/__fixtures__/scan-stores.js';
import { openRedisQueue } from '../../src/jobs/queue-redis.js';
import type { JobQueue } from '../../src/jobs/queue-types.js';
import { openScanService, type OpenScanService } from '../../src/jobs/scan-service.js';
import { getScanRow } from '../../src/store/gate/scans.js';
import { writeOciLayout } from '../fixtures/image-builder.js';

const bin = fileURLToPath(new URL('../../bin/moat.cjs', import.meta.url));
const redisUrl = process.env.MOAT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** An image big enough that its scan takes a while: thousands of npm packages in two layers. */
async function writeBigImage(dir: string): Promise<void> {
  const packages = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      path: `app/node_modules/pkg-${from + i}/package.json`,
      content: JSON.stringify({ name: `pkg-${from + i}`, version: '1.0.0', license: 'MIT' }),
    }));
  await writeOciLayout(dir, [{ tag: 'big', layers: [packages(0, 6000), packages(6000, 6000)] }]);
}

describe('moat worker', () => {
  let world: ScanWorld;
  let queue: JobQueue;
  let scans: OpenScanService;
  const workers: ChildProcess[] = [];
  const prefix = `moat-test-${randomUUID()}`;

  const startWorker = (): { child: ChildProcess; output: () => string } => {
    let output = '';
    const child = spawn(process.execPath, [bin, 'worker', '--data', world.dir], {
      env: {
        ...process.env,
        MOAT_DATABASE_URL: world.databaseUrl,
        MOAT_REDIS_URL: redisUrl,
        MOAT_JOBS_PREFIX: prefix,
        MOAT_JOBS_LOCK_TIMEOUT: '2s',
        MOAT_CACHE_DIR: world.cacheDir,
        MOAT_OFFLINE: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    workers.push(child);
    return { child, output: () => output };
  };

  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  beforeAll(async () => {
    world = await openScanWorld('postgres');
    queue = openRedisQueue({ url: redisUrl, prefix });
    // This process only queues: no `work`, so every job runs on a worker process.
    scans = openScanService({
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      database: world.stores.database,
      queue,
      scan: { cacheDir: world.cacheDir, offline: true },
      dbWatchMs: 0,
    });
  });

  afterAll(async () => {
    for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
    scans.close();
    await queue.close(1000);
    await world.close();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('runs queued scans, and a job whose worker is killed mid-scan on another worker', async () => {
    const small = await pushLayout(world.internal, world.layout, 'team/app', '1.0');
    const bigLayout = join(world.dir, 'big-layout');
    await writeBigImage(bigLayout);
    const big = await pushLayout(world.internal, bigLayout, 'team/big', '1.0', 'big');

    await scans.request('team/big', big);
    const first = startWorker();
    await until('the first worker runs the scan', async () => {
      const row = await getScanRow(world.stores.database, big);
      return row?.state === 'running';
    });
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(first.child.signalCode).toBe('SIGKILL');
    const abandoned = await getScanRow(world.stores.database, big);
    expect(abandoned).toMatchObject({ state: 'running', attempts: 1 });

    // A scan requested meanwhile waits in Redis for a worker too.
    await scans.request('team/app', small);
    const second = startWorker();
    await until('the second worker finishes both scans', async () => {
      const rows = await Promise.all([big, small].map((d) => getScanRow(world.stores.database, d)));
      return rows.every((row) => row?.state === 'done' && row.reportReferrer !== null);
    });
    const taken = await scans.get(big);
    expect(taken?.attempts).toBe(2); // the killed run, then the one that finished
    expect(taken?.summary).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
    expect((await scans.result(big))?.inventory.packages).toHaveLength(12_000);
    expect((await scans.get(small))?.summary).toEqual({
      CRITICAL: 1,
      HIGH: 1,
      MEDIUM: 1,
      LOW: 1,
      UNKNOWN: 0,
    });
    // The worker signed and attached the referrers with the registry's shared key.
    expect((await scans.get(small))?.reportReferrer).toMatch(/^sha256:/);
    expect(await queue.drain(10_000)).toBe(true);
    expect(second.output()).not.toContain('redis://');

    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
    expect(second.child.exitCode).toBe(0);
  }, 240_000);
});
