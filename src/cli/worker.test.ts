import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runInProcess } from '../../test/fixtures/run-in-process.js';

describe('moat worker', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-worker-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exits 2 with one line when no Redis is configured (moat serve runs its jobs itself then)', async () => {
    const saved = process.env.MOAT_REDIS_URL;
    delete process.env.MOAT_REDIS_URL;
    try {
      const result = await runInProcess(['worker', '--data', join(dir, 'data')]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('jobs.redisUrl (MOAT_REDIS_URL)');
    } finally {
      if (saved !== undefined) process.env.MOAT_REDIS_URL = saved;
    }
  });

  it('exits 2 naming the key of a bad configuration, the Redis URL not shown', async () => {
    const config = join(dir, 'moat.yaml');
    await writeFile(config, 'jobs:\n  redisUrl: "http://:hunter2-secret@example.com"\n');
    const result = await runInProcess(['worker', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('jobs.redisUrl');
    expect(result.stderr).not.toContain('hunter2-secret');
  });
});
