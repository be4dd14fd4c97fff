import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { RegistryClient } from './client.js';

const closers: Array<() => void> = [];

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A registry on 127.0.0.1 whose every answer `handler` writes, counting requests. */
async function registry(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ host: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

function repeat(ms: number, tick: () => void): void {
  const timer = setInterval(tick, ms);
  closers.push(() => clearInterval(timer));
}

const blob = Buffer.from('0123456789'.repeat(10));
const descriptor = {
  digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`,
  size: blob.length,
};
// Generous to connect (the first fetch loads undici), short where the test waits for silence.
const fast = { connectMs: 5_000, idleMs: 200, totalMs: 5_000 };
const noRetry = { maxAttempts: 1 };

async function drain(stream: Readable): Promise<void> {
  for await (const _chunk of stream) {
    // Only the outcome matters.
  }
}

describe('RegistryClient against a stalling or lying server', () => {
  it('ends a blob that trickles one byte at a time with HTTP_TIMEOUT', async () => {
    const { host } = await registry((_req, res) => {
      res.writeHead(200, { 'content-length': blob.length });
      repeat(5, () => res.write('x'));
    });
    const client = new RegistryClient({ host, timeouts: { ...fast, totalMs: 300 } });
    const stream = await client.openBlob('a/b', descriptor);
    await expect(drain(stream)).rejects.toMatchObject({ code: 'HTTP_TIMEOUT' });
  });

  it('ends a blob whose server stalls mid-body with HTTP_TIMEOUT naming the blob', async () => {
    const { host } = await registry((_req, res) => {
      res.writeHead(200, { 'content-length': blob.length });
      res.write(blob.subarray(0, 10));
    });
    const client = new RegistryClient({ host, timeouts: fast });
    const stream = await client.openBlob('a/b', descriptor);
    const error: unknown = await drain(stream).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HTTP_TIMEOUT' });
    expect((error as Error).message).toBe(
      `${host}/v2/a/b/blobs/${descriptor.digest}: no data for 200 ms after 10 bytes`,
    );
  });

  it('fails a blob cut off before its Content-Length with HTTP_BODY_INVALID', async () => {
    const { host } = await registry((_req, res) => {
      res.writeHead(200, { 'content-length': blob.length });
      res.write(blob.subarray(0, 10), () => res.destroy());
    });
    const client = new RegistryClient({ host, timeouts: fast });
    const stream = await client.openBlob('a/b', descriptor);
    await expect(drain(stream)).rejects.toMatchObject({ code: 'HTTP_BODY_INVALID' });
  });

  it('refuses a blob whose Content-Length differs from its declared size before reading it', async () => {
    const { host } = await registry((_req, res) => {
      res.writeHead(200, { 'content-length': blob.length + 1 });
      res.end(Buffer.concat([blob, Buffer.from('!')]));
    });
    const client = new RegistryClient({ host, timeouts: fast });
    await expect(client.openUnverifiedBlob('a/b', descriptor)).rejects.toMatchObject({
      code: 'SIZE_MISMATCH',
    });
  });

  it('stops an endless blob as soon as it passes its declared size, even unverified', async () => {
    const { host } = await registry((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      repeat(1, () => res.write(blob));
    });
    const client = new RegistryClient({ host, timeouts: fast });
    const stream = await client.openUnverifiedBlob('a/b', descriptor);
    await expect(drain(stream)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('ends a manifest that trickles forever with HTTP_TIMEOUT', async () => {
    const { host } = await registry((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      repeat(5, () => res.write(' '));
    });
    const client = new RegistryClient({ host, retry: noRetry, timeouts: { totalMs: 300 } });
    await expect(client.getManifest('a/b', 'v1')).rejects.toMatchObject({ code: 'HTTP_TIMEOUT' });
  });

  it('gives up on a silent registry after the configured attempts, not in an endless loop', async () => {
    const server = await registry(() => undefined);
    const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
    const client = new RegistryClient({ host: server.host, retry, timeouts: { connectMs: 50 } });
    const error: unknown = await client.getManifest('a/b', 'v1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    expect((error as Error).message).toContain('no response within 50 ms');
    expect(server.requests()).toBe(3);
  });
});
