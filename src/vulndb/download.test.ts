import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { downloadToFile } from './download.js';

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An HTTP source on 127.0.0.1 answered by `handler`; resolves to its URL and a temp file path. */
async function source(
  handler: (res: ServerResponse) => void,
): Promise<{ url: string; dest: string }> {
  const server = createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'moat-download-'));
  cleanups.push(
    () => rm(dir, { recursive: true, force: true }),
    () => server.close(),
    () => server.closeAllConnections(),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/all.zip`, dest: join(dir, 'all.zip') };
}

function repeat(ms: number, tick: () => void): void {
  const timer = setInterval(tick, ms);
  cleanups.push(() => clearInterval(timer));
}

describe('downloadToFile against a stalling server', () => {
  it('downloads a whole body and counts its bytes', async () => {
    const { url, dest } = await source((res) => res.end('abc'));
    await expect(downloadToFile(url, dest, { maxBytes: 10 })).resolves.toEqual({
      status: 'downloaded',
      bytes: 3,
    });
  });

  it('ends a source that trickles forever with HTTP_TIMEOUT and leaves no file', async () => {
    const { url, dest } = await source((res) => {
      res.writeHead(200);
      repeat(5, () => res.write('x'));
    });
    const timeouts = { totalMs: 300 };
    await expect(downloadToFile(url, dest, { maxBytes: 1e9, timeouts })).rejects.toMatchObject({
      code: 'HTTP_TIMEOUT',
      message: `${url}: not finished within 300 ms`,
    });
    expect(existsSync(dest)).toBe(false);
  });

  it('ends a source that stalls mid-body with HTTP_TIMEOUT', async () => {
    const { url, dest } = await source((res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('x'.repeat(10));
    });
    const timeouts = { idleMs: 200 };
    await expect(downloadToFile(url, dest, { maxBytes: 1e9, timeouts })).rejects.toMatchObject({
      code: 'HTTP_TIMEOUT',
      message: `${url}: no data for 200 ms after 10 bytes`,
    });
  });

  it('refuses a body cut off before its Content-Length with HTTP_BODY_INVALID', async () => {
    const { url, dest } = await source((res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('x'.repeat(10), () => res.destroy());
    });
    await expect(downloadToFile(url, dest, { maxBytes: 1e9 })).rejects.toMatchObject({
      code: 'HTTP_BODY_INVALID',
    });
  });

  it('stops an endless body at the byte limit with LIMIT_EXCEEDED', async () => {
    const { url, dest } = await source((res) => {
      res.writeHead(200);
      repeat(1, () => res.write('y'.repeat(1024)));
    });
    await expect(downloadToFile(url, dest, { maxBytes: 8192 })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });
});
