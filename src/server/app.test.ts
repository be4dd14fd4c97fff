import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeSelfSigned } from './__fixtures__/self-signed.js';
import { startServer, type RunningServer } from './app.js';
import { loadServeConfig, type ServeConfig } from './config.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'moat-app-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const adminPassword = 'app-test-password-7421';

/** A configuration on the embedded default in a fresh data directory, on a free port. */
function embeddedConfig(flags: Record<string, unknown> = {}): ServeConfig {
  return loadServeConfig({
    flags: { listen: '127.0.0.1:0', data: mkdtempSync(join(dir, 'data-')), ...flags },
    env: { MOAT_ADMIN_PASSWORD: adminPassword },
    cwd: dir,
  });
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function get(url: string, headers: Record<string, string> = {}, ca?: Buffer): Promise<Answer> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ...(ca ? { ca } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A log destination that keeps the JSON lines. */
function captureLog(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('startServer on the embedded default', () => {
  let server: RunningServer;
  const log = captureLog();

  beforeAll(async () => {
    server = await startServer(embeddedConfig(), { logStream: log });
  });

  afterAll(async () => {
    await server.close();
  });

  it('listens on the real port of 127.0.0.1:0', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });

  it('answers /healthz and /readyz while the stores answer', async () => {
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
    const ready = await get(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toBe('ready\n');
  });

  it('keeps a sane incoming request id and replaces one that is not', async () => {
    const kept = await get(`${server.url}/healthz`, { 'x-request-id': 'lb-1234.abc' });
    expect(kept.headers['x-request-id']).toBe('lb-1234.abc');
    const replaced = await get(`${server.url}/healthz`, { 'x-request-id': 'a b<script>' });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await get(`${server.url}/healthz`);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts requests by route pattern and status, bytes and upload sessions in /metrics', async () => {
    const challenge = await get(`${server.url}/v2/`);
    expect(challenge.status).toBe(401);
    await get(`${server.url}/v2/team/app/manifests/latest`);
    const metrics = await get(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(
      /^moat_http_requests_total\{route="\/v2\/",method="GET",status="401"\} [1-9]/m,
    );
    expect(metrics.body).toMatch(
      /^moat_http_requests_total\{route="\/v2\/:name\/manifests\/:reference",method="GET",status="401"\} 1$/m,
    );
    expect(metrics.body).not.toContain('team/app');
    expect(metrics.body).toMatch(/^moat_http_request_duration_seconds_bucket\{/m);
    expect(metrics.body).toMatch(/^moat_registry_bytes_received_total [1-9]/m);
    expect(metrics.body).toMatch(/^moat_registry_bytes_sent_total [1-9]/m);
    expect(metrics.body).toMatch(/^moat_registry_upload_sessions 0$/m);
    expect(metrics.body).toMatch(/^# TYPE moat_gc_runs_total counter$/m);
    expect(metrics.body).toMatch(/^# TYPE moat_gc_bytes_freed_total counter$/m);
    expect(metrics.body).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('logs JSON lines with request ids and never an Authorization value or a password', async () => {
    const basic = Buffer.from('admin:SeCrEt-in-header').toString('base64');
    await get(`${server.url}/v2/?password=SeCrEt-in-query&n=1`, {
      authorization: `Basic ${basic}`,
      cookie: 'session=SeCrEt-cookie',
      'x-request-id': 'log-test-1',
    });
    await get(`${server.url}/auth/token?service=moat&scope=repository:a:pull`, {
      authorization: `Basic ${basic}`,
    });
    const text = log.lines.join('');
    expect(text).not.toContain(basic);
    expect(text).not.toContain('SeCrEt');
    const lines = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const incoming = lines.find(
      (line) => line.reqId === 'log-test-1' && line.msg === 'incoming request',
    );
    expect(incoming?.req).toEqual(
      expect.objectContaining({ method: 'GET', url: '/v2/?password=[REDACTED]&n=1' }),
    );
    expect(
      lines.some((line) => line.reqId === 'log-test-1' && line.msg === 'request completed'),
    ).toBe(true);
  });

  it('returns the administrator password it was given nowhere', () => {
    expect(server.adminPassword).toBeUndefined();
  });
});

describe('startServer over TLS', () => {
  it('serves HTTPS with the configured certificate', async () => {
    const cert = makeSelfSigned(dir, 'app');
    const server = await startServer(
      embeddedConfig({ tlsCert: cert.certFile, tlsKey: cert.keyFile }),
      { logStream: captureLog() },
    );
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const answer = await get(`${server.url}/healthz`, {}, readFileSync(cert.certFile));
      expect(answer.status).toBe(200);
      const v2 = await get(`${server.url}/v2/`, {}, readFileSync(cert.certFile));
      expect(v2.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('startServer first start', () => {
  it('generates the administrator password once and not on the next start', async () => {
    const data = mkdtempSync(join(dir, 'first-'));
    const config = loadServeConfig({
      flags: { listen: '127.0.0.1:0', data },
      env: {},
      cwd: dir,
    });
    const messages: string[] = [];
    const first = await startServer(config, {
      logStream: captureLog(),
      log: (m) => messages.push(m),
    });
    await first.close();
    expect(first.adminPassword).toMatch(/^\S{12,}$/);
    expect(messages.join('\n')).toContain(
      `created user admin with password ${first.adminPassword}`,
    );
    const second = await startServer(config, { logStream: captureLog() });
    await second.close();
    expect(second.adminPassword).toBeUndefined();
  });
});

describe('startServer graceful close', () => {
  it('finishes a request in flight, refusing new connections meanwhile', async () => {
    const server = await startServer(embeddedConfig(), { logStream: captureLog() });
    const { port } = new URL(server.url);
    const body = 'grant_type=password&username=admin&password=wrong&service=moat';
    // A request whose body is still arriving when close() is called.
    const answer = new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/auth/token`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': String(body.length),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      req.on('socket', (socket) => {
        socket.on('connect', () => {
          void (async () => {
            const closed = server.close();
            await refusesConnections(Number(port));
            req.end(body.slice(10));
            await closed;
          })().catch(reject);
        });
      });
    });
    const result = await answer;
    // The token endpoint answered (a wrong password is a 401): the request was not cut.
    expect(result.status).toBe(401);
    await server.close();
  });
});

/** Resolves once a new connection to `port` is refused (the server stopped listening). */
async function refusesConnections(port: number): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
