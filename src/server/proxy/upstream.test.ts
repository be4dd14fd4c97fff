import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openSecretBox } from '../../auth/secrets/box.js';
import { createTestDatabase, type TestDatabase } from '../../store/metadata/test-database.js';
import { openStores, type OpenStores } from '../../store/open.js';
import { parseUpstreamUrl, proxyProjects, type ProxyProjects } from './upstream.js';

describe('parseUpstreamUrl', () => {
  it('keeps the origin and says whether it is plain HTTP', () => {
    expect(parseUpstreamUrl('https://registry-1.docker.io/')).toEqual({
      url: 'https://registry-1.docker.io',
      host: 'registry-1.docker.io',
      insecure: false,
    });
    expect(parseUpstreamUrl('http://127.0.0.1:5001')).toEqual({
      url: 'http://127.0.0.1:5001',
      host: '127.0.0.1:5001',
      insecure: true,
    });
    expect(parseUpstreamUrl('https://[::1]:443').host).toBe('[::1]');
  });

  it.each([
    ['file:///etc/passwd', 'http or https'],
    ['https://me:secret-77@example.com', 'credentials'],
    ['https://example.com/v2/', 'without a path'],
    ['https://example.com#x', 'query or fragment'],
    ['https://example.com?', 'query or fragment'],
    ['example.com', 'not a URL'],
    ['', 'not a URL'],
  ])('refuses %j (INVALID_REQUEST), never echoing user information', (input, why) => {
    const error = (() => {
      try {
        parseUpstreamUrl(input);
      } catch (e) {
        return e as Error & { code: string };
      }
      throw new Error('accepted');
    })();
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain(why);
    expect(error.message).not.toContain('secret-77');
  });
});

describe.each(['sqlite', 'postgres'] as const)('proxy settings on %s', (engine) => {
  let dir: string;
  let database: TestDatabase | undefined;
  let stores: OpenStores;
  let proxies: ProxyProjects;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-proxy-settings-'));
    database = engine === 'postgres' ? await createTestDatabase() : undefined;
    stores = await openStores({
      metadata: database
        ? { kind: 'postgres', url: database.url }
        : { kind: 'sqlite', path: join(dir, 'moat.db') },
      blobs: { kind: 'fs', root: join(dir, 'blobs') },
    });
    const secrets = await openSecretBox({
      database: stores.database,
      masterKey: randomBytes(32).toString('hex'),
    });
    proxies = proxyProjects(stores.database, secrets);
  });
  afterEach(async () => {
    await stores.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('attaches, reads, lists and detaches; credentials sealed and removed with the settings', async () => {
    const credentials = { username: 'mirror', password: 'pw-sealed-4242' };
    expect(await proxies.attach('hub', { url: 'https://example.com/', credentials })).toEqual({
      url: 'https://example.com',
    });
    await proxies.attach('quay', { url: 'http://127.0.0.1:5000' });
    await expect(proxies.attach('hub', { url: 'https://other.example' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await proxies.urlOf('hub')).toBe('https://example.com');
    expect(await proxies.urlOf('plain')).toBeUndefined();
    expect(await proxies.urlsOf(['hub', 'plain', 'quay'])).toEqual(
      new Map([
        ['hub', 'https://example.com'],
        ['quay', 'http://127.0.0.1:5000'],
      ]),
    );
    expect(await proxies.upstreamOf('hub')).toMatchObject({
      host: 'example.com',
      insecure: false,
      credentials,
    });
    expect((await proxies.upstreamOf('quay'))?.credentials).toBeUndefined();
    const secrets = await stores.database.db.selectFrom('secrets').selectAll().execute();
    // The refused second attach sealed nothing that stayed behind.
    expect(secrets).toHaveLength(1);
    expect(JSON.stringify(secrets)).not.toContain('pw-sealed-4242');
    await proxies.detach('hub');
    expect(await proxies.urlOf('hub')).toBeUndefined();
    expect(await stores.database.db.selectFrom('secrets').selectAll().execute()).toEqual([]);
  });
});
