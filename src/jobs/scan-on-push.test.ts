import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeScanDb, writeScanImage } from '../__fixtures__/scan-image.js';
import type { Principal } from '../auth/model.js';
import { RegistryClient } from '../registry-client/client.js';
import { startServer, type RunningServer } from '../server/app.js';
import { loadServeConfig } from '../server/config.js';
import { pushLayout } from './__fixtures__/push-layout.js';

const client = { ip: '127.0.0.1' };

describe('scan on push when Redis is down', () => {
  let dir: string;
  let server: RunningServer;
  let token: string;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-scan-push-'));
    await writeScanDb(join(dir, 'cache'));
    await writeScanImage(join(dir, 'layout'));
    server = await startServer(
      loadServeConfig({
        flags: { listen: '127.0.0.1:0', data: join(dir, 'data') },
        env: {
          MOAT_ADMIN_PASSWORD: 'scan-push-password-1234',
          MOAT_CACHE_DIR: join(dir, 'cache'),
          MOAT_OFFLINE: 'true',
          // Nothing listens on port 1: every Redis command waits for a connection.
          MOAT_REDIS_URL: 'redis://:redis-secret-9911@127.0.0.1:1',
        },
        cwd: dir,
      }),
      { logStream: { write: (line: string) => logs.push(line) }, closeTimeoutMs: 1000 },
    );
    const admin = await server.access.identity.getUser('admin');
    const principal: Principal = {
      kind: 'user',
      name: 'admin',
      id: admin?.id ?? '',
      systemAdmin: true,
    };
    await server.access.projects.createProject(principal, { name: 'team', public: false }, client);
    token = (
      await server.access.credentials.createToken(
        principal,
        { name: 'push', scopes: ['registry:pull', 'registry:push'] },
        client,
      )
    ).token;
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores and answers the push when its scan cannot be queued, and logs no secret', async () => {
    const registry = new RegistryClient({
      host: new URL(server.url).host,
      credentials: { username: 'admin', password: token },
    });
    const digest = await pushLayout(registry, join(dir, 'layout'), 'team/app', '1.0');
    expect(digest).toMatch(/^sha256:/);
    const warning = logs.find((line) => line.includes('could not request the scan of a push'));
    expect(warning).toBeDefined();
    expect(warning).toContain('Redis did not take the scan job');
    expect(logs.join('\n')).not.toContain('redis-secret-9911');
  }, 60_000);
});
