import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestDatabase } from '../store/metadata/test-database.js';
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

/** `Basic admin:<personal access token>`: the administrator must enrol 2FA, so its password is refused. */
async function adminBasic(server: RunningServer): Promise<string> {
  const admin = await server.access.identity.getUser('admin');
  if (!admin) throw new Error('no administrator');
  const { token } = await server.access.credentials.createToken(
    { kind: 'user', name: admin.username, id: admin.id, systemAdmin: true },
    { name: `app-test-${Date.now()}`, scopes: ['registry:pull', 'registry:push'] },
    { ip: '127.0.0.1' },
  );
  return `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`;
}

/** A log destination that keeps the JSON lines and tells when one matching a test arrives. */
function captureLog() {
  const lines: string[] = [];
  const waiting: { text: string; resolve: () => void }[] = [];
  return {
    lines,
    write(line: string) {
      lines.push(line);
      for (const waiter of waiting.filter((w) => line.includes(w.text))) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    /** Resolves once a line containing `text` was written. */
    waitFor(text: string): Promise<void> {
      if (lines.some((line) => line.includes(text))) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ text, resolve }));
    },
  };
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

  it('refuses the administrator’s password at the registry until it enrols a second factor', async () => {
    const password = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`;
    expect((await get(`${server.url}/v2/`, { authorization: password })).status).toBe(401);
    expect(
      (await get(`${server.url}/v2/`, { authorization: await adminBasic(server) })).status,
    ).toBe(200);
  });

  it('serves the management API at /api/v1: its OpenAPI document, JSON errors, and login', async () => {
    const document = await get(`${server.url}/api/v1/openapi.json`);
    expect(document.status).toBe(200);
    const paths = (JSON.parse(document.body) as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/users/me/tokens']));
    const unknown = await get(`${server.url}/api/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({
      error: { code: 'NOT_FOUND', message: 'no such API route' },
    });
    const anonymous = await get(`${server.url}/api/v1/users/me/tokens`);
    expect(anonymous.status).toBe(401);
  });
});

describe('startServer on PostgreSQL', () => {
  it('is ready while the database answers and not once it is gone', async () => {
    const database = await createTestDatabase();
    const config = loadServeConfig({
      flags: { listen: '127.0.0.1:0', data: mkdtempSync(join(dir, 'pg-')) },
      env: { MOAT_ADMIN_PASSWORD: adminPassword, MOAT_DATABASE_URL: database.url },
      cwd: dir,
    });
    const server = await startServer(config, { logStream: captureLog() });
    try {
      expect((await get(`${server.url}/readyz`)).status).toBe(200);
      // The administrator's creation may still be being written to the audit log: a connection
      // cut inside that transaction must not end the process.
      await database.drop();
      const gone = await get(`${server.url}/readyz`);
      expect(gone.status).toBe(503);
      expect(gone.body).toMatch(/^not ready: metadata store: failed/);
      expect(gone.body).not.toContain(database.url);
      expect((await get(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close().catch(() => undefined);
      await database.drop();
    }
  });
});

describe('startServer background jobs', () => {
  it('runs garbage collection on its schedule and expires unused upload sessions', async () => {
    const config = loadServeConfig({
      flags: { listen: '127.0.0.1:0', data: mkdtempSync(join(dir, 'jobs-')) },
      env: {
        MOAT_ADMIN_PASSWORD: adminPassword,
        MOAT_GC_SCHEDULE: '1s',
        MOAT_GC_GRACE_PERIOD: '0s',
        MOAT_LIMITS_UPLOAD_TTL: '1s',
      },
      cwd: dir,
    });
    const server = await startServer(config, { logStream: captureLog() });
    try {
      const basic = await adminBasic(server);
      const started = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/v2/jobs/app/blobs/uploads/`,
          { method: 'POST', headers: { authorization: basic, 'content-length': '0' } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(started).toBe(202);
      const metrics = async () => (await get(`${server.url}/metrics`)).body;
      // Wait (without a clock) until both jobs ran.
      for (;;) {
        const text = await metrics();
        if (
          /^moat_gc_runs_total\{result="ok"\} [1-9]/m.test(text) &&
          /^moat_upload_sessions_expired_total [1-9]/m.test(text)
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await metrics()).toMatch(/^moat_registry_upload_sessions 0$/m);
    } finally {
      await server.close();
    }
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
      expect(v2.headers['www-authenticate']).toContain(`realm="${server.url}/auth/token"`);
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
    const log = captureLog();
    const server = await startServer(embeddedConfig(), { logStream: log });
    const { port } = new URL(server.url);
    const body = 'grant_type=password&username=admin&password=wrong&service=moat';
    // A request whose body is still arriving when close() is called.
    const req = httpRequest(`${server.url}/auth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
        'x-request-id': 'in-flight-1',
      },
    });
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await log.waitFor('"reqId":"in-flight-1"');
    const closed = server.close();
    await refusesConnections(Number(port));
    req.end(body.slice(10));
    const result = await answer;
    // The token endpoint answered (a wrong password is a 401): the request was not cut, and the
    // connection is not kept for another request.
    expect(result.status).toBe(401);
    expect(result.headers.connection).toBe('close');
    await closed;
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
