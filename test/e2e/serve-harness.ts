/**
 * `moat serve` as a user runs it, for end-to-end tests: the built CLI (`bin/moat.cjs`, so
 * `npm run build` first) on a free loopback port with a temporary data directory, found ready by
 * the line it prints (`moat: serving on http://127.0.0.1:PORT`), plus the Docker token dance and
 * plain HTTP calls against it. PostgreSQL and s3rver for the scale-out set-up are in
 * `serve-backends.ts`; skopeo and OCI layout helpers in `serve-clients.ts`.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { HarnessError, type TestCredentials } from './registry-harness.js';

const bin = fileURLToPath(new URL('../../bin/moat.cjs', import.meta.url));

/**
 * The administrator password the harness gives every server unless told otherwise. The bootstrap
 * administrator must enrol a second factor, so this password is refused at the registry: clients
 * use {@link MoatServer.credentials}, a personal access token of the administrator.
 */
export const adminPassword = 'e2e-admin-Secret-1';

/** The registry scopes of the administrator's token the harness creates. */
const harnessTokenScopes = 'registry:pull,registry:push,registry:delete';

/** How to start one `moat serve`. */
export interface ServeOptions {
  /** The data directory; a fresh temporary one (removed by `stop`) when absent. */
  dataDir?: string;
  /** Extra environment (`MOAT_DATABASE_URL`, `MOAT_S3_*`, …) over the test process's own. */
  env?: Record<string, string>;
  /** Extra flags after `serve --listen 127.0.0.1:0 --data DIR`. */
  args?: string[];
  /** `MOAT_ADMIN_PASSWORD`; `null` starts without it (a second node of a shared database). */
  adminPassword?: string | null;
}

/** A running `moat serve`. */
export interface MoatServer {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** `http://127.0.0.1:PORT` or `https://…`, as printed by the server. */
  url: string;
  dataDir: string;
  pid: number;
  /**
   * `admin` with a personal access token (`registry:pull,push,delete`) made by
   * `moat admin token create` at start: what docker, skopeo and podman log in with.
   */
  credentials: TestCredentials;
  /** Runs `moat admin ARGS… --data DIR` on this server's installation, with its environment. */
  admin(args: string[]): Promise<CliRun>;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** SIGTERM, then waits for the exit; removes the data directory if the harness made it. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit; keeps the data directory. */
  kill9(): Promise<void>;
}

/** What one run of the CLI printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const readyLine = /moat: serving on (https?):\/\/(\S+)/;
/** Keeps the newest logs only: a push of hundreds of megabytes logs a line per request. */
const maxLogChars = 8 * 1024 * 1024;

/** Variables of the test process that would steer the server away from what the test sets. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MOAT_') || key === 'MOAT_CACHE_DIR') env[key] = value;
  }
  return env;
}

/**
 * Starts `moat serve --listen 127.0.0.1:0 --data DIR` and resolves once it printed its ready line.
 * @example const server = await startMoatServe(); await server.stop();
 */
export async function startMoatServe(options: ServeOptions = {}): Promise<MoatServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'moat-serve-data-')));
  // The working directory holds no moat.yaml, so only what the test passes configures the server.
  const cwd = await mkdtemp(join(tmpdir(), 'moat-serve-cwd-'));
  const env = { ...inheritedEnv(), ...options.env };
  const password = options.adminPassword === undefined ? adminPassword : options.adminPassword;
  if (password !== null) env.MOAT_ADMIN_PASSWORD = password;
  const args = ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, ...(options.args ?? [])];
  // The executable itself, as users start it (its shebang sets Node's options).
  const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const append = (chunk: Buffer) => {
    logs += chunk.toString('utf8');
    if (logs.length > maxLogChars) logs = logs.slice(-maxLogChars / 2);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const address = await new Promise<{ scheme: string; host: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new HarnessError(`moat serve printed no ready line within 120 s:\n${logs}`));
    }, 120_000);
    const check = () => {
      const match = readyLine.exec(logs);
      if (match) {
        clearTimeout(timer);
        resolve({ scheme: match[1] ?? 'http', host: match[2] ?? '' });
      }
    };
    child.stderr.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new HarnessError(`moat serve exited (${code ?? signal}) before ready:\n${logs}`));
    });
  }).catch(async (error: unknown) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(cwd, { recursive: true, force: true });
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  });

  const pid = child.pid ?? -1;
  /** Sends `signal`; a server still running 30 s later is killed and reported. */
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), 30_000);
    });
    const outcome = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      child.kill('SIGKILL');
      await exited;
      throw new HarnessError(
        `moat serve did not exit within 30 s of ${signal}:\n${logs.slice(-4000)}`,
      );
    }
  };
  const admin = (adminArgs: string[]) =>
    new Promise<CliRun>((resolve) => {
      execFile(
        process.execPath,
        [bin, 'admin', ...adminArgs, '--data', dataDir],
        { cwd, env, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  let credentials: TestCredentials;
  try {
    credentials = { username: 'admin', password: await createToken(admin, 'admin') };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await rm(cwd, { recursive: true, force: true });
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    host: address.host,
    url: `${address.scheme}://${address.host}`,
    dataDir,
    pid,
    credentials,
    admin,
    logs: () => logs,
    async stop() {
      try {
        await end('SIGTERM');
      } finally {
        await rm(cwd, { recursive: true, force: true });
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      }
    },
    async kill9() {
      await end('SIGKILL');
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

/**
 * A personal access token for `user` from `moat admin token create` (registry scopes unless
 * `scopes` says otherwise).
 */
export async function createToken(
  admin: MoatServer['admin'],
  user: string,
  scopes = harnessTokenScopes,
): Promise<string> {
  const name = `e2e-${randomBytes(4).toString('hex')}`;
  const run = await admin(['token', 'create', '--user', user, '--name', name, '--scopes', scopes]);
  const token = /moat_pat_\S+/.exec(run.stdout)?.[0];
  if (run.code !== 0 || token === undefined)
    throw new HarnessError(`moat admin token create exited ${run.code}:\n${run.stderr}`);
  return token;
}

/** The `WWW-Authenticate: Bearer realm=…,service=…` challenge `/v2/` answers without credentials. */
async function bearerChallenge(url: string): Promise<{ realm: string; service: string }> {
  const response = await fetch(`${url}/v2/`);
  await response.arrayBuffer();
  const header = response.headers.get('www-authenticate') ?? '';
  const params = Object.fromEntries(
    [...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  if (response.status !== 401 || !/^Bearer /i.test(header) || params.realm === undefined)
    throw new HarnessError(`GET /v2/ answered ${response.status} with challenge "${header}"`);
  return { realm: params.realm, service: params.service ?? '' };
}

/**
 * A Bearer token from the server's `/auth/token` for `scopes` (`repository:NAME:pull,push`),
 * fetched as the Docker token spec says: challenge first, then Basic credentials to the realm.
 */
export async function bearerToken(
  server: { url: string; credentials: TestCredentials },
  scopes: string[],
  credentials: TestCredentials = server.credentials,
): Promise<string> {
  const { realm, service } = await bearerChallenge(server.url);
  const tokenUrl = new URL(realm);
  tokenUrl.searchParams.set('service', service);
  for (const scope of scopes) tokenUrl.searchParams.append('scope', scope);
  const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  const response = await fetch(tokenUrl, { headers: { authorization: `Basic ${basic}` } });
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (response.status !== 200 || token === undefined)
    throw new HarnessError(`${tokenUrl.pathname} answered ${response.status}`);
  return token;
}

/** One HTTP exchange with the registry, body read in full. */
export interface RegistryResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T>(): T;
}

/** Sends `method url+path` with a Bearer `token` and reads the whole answer. */
export async function registryRequest(
  server: { url: string },
  path: string,
  options: {
    method?: string;
    token?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
  } = {},
): Promise<RegistryResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(new URL(path, server.url), {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
    redirect: 'manual',
  });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    body,
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

/** Pushes `bytes` as a blob into `repository` (monolithic `POST` then `PUT ?digest=`). */
export async function pushBlob(
  server: { url: string },
  repository: string,
  bytes: Buffer,
  digest: string,
  token: string,
): Promise<void> {
  const start = await registryRequest(server, `/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    token,
  });
  const location = start.headers.get('location');
  if (start.status !== 202 || location === null)
    throw new HarnessError(`blob upload start answered ${start.status}: ${start.body.toString()}`);
  const target = new URL(location, server.url);
  target.searchParams.set('digest', digest);
  const put = await registryRequest(server, target.pathname + target.search, {
    method: 'PUT',
    token,
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (put.status !== 201)
    throw new HarnessError(`blob upload PUT answered ${put.status}: ${put.body.toString()}`);
}
