import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildZip } from '../../test/fixtures/zip-builder.js';
import { json, osvRecord, tempDir } from './__fixtures__/osv.js';
import { openVulnDb } from './database.js';
import { defaultUpdateSources, updateDb } from './update.js';

let dir: string;
let cleanup: () => Promise<void>;
let server: Server;
let base: string;
let requests: IncomingMessage[];
const npmZip = buildZip([{ name: 'GHSA-1.json', data: json(osvRecord('GHSA-1', 'npm', 'a')) }]);

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  requests = [];
  server = createServer((request, response) => {
    requests.push(request);
    if (request.url === '/npm/all.zip') {
      if (request.headers['if-none-match'] === '"v1"') {
        response.writeHead(304).end();
        return;
      }
      response.writeHead(200, { etag: '"v1"', 'content-type': 'application/zip' }).end(npmZip);
    } else if (request.url === '/Go/all.zip') {
      const lastModified = 'Mon, 01 Jan 2024 00:00:00 GMT';
      if (request.headers['if-modified-since'] === lastModified) {
        response.writeHead(304).end();
        return;
      }
      const zip = buildZip([{ name: 'GO-1.json', data: json(osvRecord('GO-1', 'Go', 'x/net')) }]);
      response.writeHead(200, { 'last-modified': lastModified }).end(zip);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await cleanup();
});

describe('updateDb', () => {
  it('downloads and imports sources, recording their validators', async () => {
    const dbPath = join(dir, 'db', 'moat-vuln.db');
    const result = await updateDb(
      dbPath,
      defaultUpdateSources(base).filter((s) => s.name === 'osv:npm'),
    );
    expect(result).toMatchObject({ updated: ['osv:npm'], notModified: [], failed: [] });
    const db = openVulnDb(dbPath);
    expect(db.advisoriesFor('npm', 'a').map((record) => record.id)).toEqual(['GHSA-1']);
    expect(db.sources()).toEqual([
      expect.objectContaining({ name: 'osv:npm', etag: '"v1"', importedBy: 'update' }),
    ]);
    db.close();
  });

  it('sends the stored ETag and does nothing on 304', async () => {
    const dbPath = join(dir, 'db', 'moat-vuln.db');
    const sources = [{ name: 'osv:npm', url: `${base}/npm/all.zip` }];
    await updateDb(dbPath, sources);
    const result = await updateDb(dbPath, sources);
    expect(requests.at(-1)?.headers['if-none-match']).toBe('"v1"');
    expect(result).toEqual({ notModified: ['osv:npm'], updated: [], failed: [] });
  });

  it('sends the stored Last-Modified as If-Modified-Since', async () => {
    const dbPath = join(dir, 'db', 'moat-vuln.db');
    const sources = [{ name: 'osv:Go', url: `${base}/Go/all.zip` }];
    await updateDb(dbPath, sources);
    const result = await updateDb(dbPath, sources);
    expect(result.notModified).toEqual(['osv:Go']);
  });

  it('reports a source that fails and still imports the others', async () => {
    const dbPath = join(dir, 'db', 'moat-vuln.db');
    const result = await updateDb(dbPath, [
      { name: 'osv:Gone', url: `${base}/Gone/all.zip` },
      { name: 'osv:npm', url: `${base}/npm/all.zip` },
    ]);
    expect(result.failed).toEqual([
      { name: 'osv:Gone', reason: expect.stringContaining('HTTP 404') as unknown },
    ]);
    expect(result.updated).toEqual(['osv:npm']);
  });

  it('points the default sources at osv.dev per-ecosystem zips', () => {
    const urls = defaultUpdateSources().map((source) => source.url);
    expect(urls).toContain('https://osv-vulnerabilities.storage.googleapis.com/Red%20Hat/all.zip');
    expect(urls).toHaveLength(16);
  });
});
