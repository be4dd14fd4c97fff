import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { httpTimeoutsFromEnv, timedFetch } from './timed-fetch.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(() => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

/** A raw TCP server on 127.0.0.1 that runs `onRequest` once the request head has arrived. */
async function rawServer(onRequest: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    sockets.push(socket);
    let head = '';
    socket.on('data', (data: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += data.toString('latin1');
      if (head.includes('\r\n\r\n')) onRequest(socket);
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/file`;
}

function every(ms: number, tick: () => void): void {
  timers.push(setInterval(tick, ms));
}

async function readAll(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

// Generous to connect (the first fetch loads undici), short where the test waits for silence.
const fast = { connectMs: 5_000, idleMs: 200, totalMs: 5_000 };

describe('timedFetch', () => {
  it('returns a body that arrives whole and on time', async () => {
    const url = await rawServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello'),
    );
    const response = await timedFetch(url, {}, { label: url, timeouts: fast });
    expect((await readAll(response)).toString()).toBe('hello');
  });

  it('fails with HTTP_TIMEOUT when the server accepts but never answers', async () => {
    const url = await rawServer(() => undefined);
    const timeouts = { ...fast, connectMs: 200 };
    await expect(timedFetch(url, {}, { label: url, timeouts })).rejects.toMatchObject({
      code: 'HTTP_TIMEOUT',
      message: `${url}: no response within 200 ms`,
    });
  });

  it('fails with HTTP_TIMEOUT when the server trickles one byte at a time forever', async () => {
    const url = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
      every(5, () => socket.write('1\r\nx\r\n'));
    });
    const timeouts = { connectMs: 1_000, idleMs: 1_000, totalMs: 300 };
    const response = await timedFetch(url, {}, { label: url, timeouts });
    await expect(readAll(response)).rejects.toMatchObject({
      code: 'HTTP_TIMEOUT',
      message: `${url}: not finished within 300 ms`,
    });
  });

  it('fails with HTTP_TIMEOUT when the server stalls mid-body', async () => {
    const url = await rawServer((socket) =>
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789'),
    );
    const response = await timedFetch(url, {}, { label: url, timeouts: fast });
    await expect(readAll(response)).rejects.toMatchObject({
      code: 'HTTP_TIMEOUT',
      message: `${url}: no data for 200 ms after 10 bytes`,
    });
  });

  it('fails with HTTP_BODY_INVALID when the body ends before its Content-Length', async () => {
    const url = await rawServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789'),
    );
    const response = await timedFetch(url, {}, { label: url, timeouts: fast });
    await expect(readAll(response)).rejects.toMatchObject({
      code: 'HTTP_BODY_INVALID',
      message: `${url}: connection broke after 10 of 100 bytes`,
    });
  });

  it('hands over exactly Content-Length bytes when the server sends more', async () => {
    const url = await rawServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello and a lot more'),
    );
    const response = await timedFetch(url, {}, { label: url, timeouts: fast });
    expect((await readAll(response)).toString()).toBe('hello');
  });

  it('fails as soon as an endless body passes maxBytes', async () => {
    const url = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
      every(1, () => socket.write(`400\r\n${'y'.repeat(0x400)}\r\n`));
    });
    const response = await timedFetch(url, {}, { label: url, timeouts: fast, maxBytes: 4096 });
    await expect(readAll(response)).rejects.toMatchObject({
      code: 'HTTP_BODY_INVALID',
      message: `${url}: body is longer than the 4096 bytes expected`,
    });
  });
});

describe('httpTimeoutsFromEnv', () => {
  it('reads seconds, decimals allowed, into milliseconds', () => {
    const env = { MOAT_HTTP_CONNECT_TIMEOUT: '2.5', MOAT_HTTP_TOTAL_TIMEOUT: '60' };
    expect(httpTimeoutsFromEnv(env)).toEqual({ connectMs: 2500, totalMs: 60_000 });
  });

  it.each(['0', '-1', 'soon', '1e3', '9999999999'])('refuses %j naming the variable', (value) => {
    const error: unknown = (() => {
      try {
        return httpTimeoutsFromEnv({ MOAT_HTTP_IDLE_TIMEOUT: value });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ code: 'USAGE' });
    expect((error as Error).message).toMatch(/^MOAT_HTTP_IDLE_TIMEOUT=/);
  });
});
