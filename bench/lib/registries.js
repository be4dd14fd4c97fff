// The two registries the registry benchmark compares, each on a free loopback port with its
// storage in a fresh directory on the same disk: `moat serve` (the built CLI, started as users
// start it) and Debian's `docker-registry` (CNCF Distribution 2.8, no authentication).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { cleanEnv, createAdminToken, freePort, untilServing } from './moat-cli.js';

/** Waits for `child` to exit, killing it with SIGKILL after `ms`. */
function stopChild(child, ms = 20_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Peak resident set of a live process, MB (`VmHWM` in /proc/PID/status). `moat serve` started
 * through the shebang runs in a child process (bin/moat.cjs): that child's figure is the server's.
 */
export function peakRssMb(launcher) {
  const children = readFileSync(`/proc/${launcher}/task/${launcher}/children`, 'utf8').trim();
  const pid = /^\d+$/.test(children) ? children : launcher;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/**
 * Starts `moat serve` on 127.0.0.1:0 with a data directory under `parent`. The administrator must
 * enrol a second factor, so its password is refused at the registry: `token` is a personal access
 * token of `admin` made with `moat admin token create`, what clients log in with.
 */
export async function startMoat(bin, parent, password) {
  const dataDir = await mkdtemp(join(parent, 'moat-data-'));
  const env = cleanEnv({ MOAT_ADMIN_PASSWORD: password });
  delete env.BENCH_MOAT_NODE;
  // BENCH_MOAT_NODE=plain starts `node bin/moat.cjs` directly, without the shebang and the child
  // process it starts for the server.
  const plain = process.env.BENCH_MOAT_NODE === 'plain';
  const args = ['serve', '--listen', '127.0.0.1:0', '--data', dataDir];
  const child = spawn(plain ? process.execPath : bin, plain ? [bin, ...args] : args, {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const { host } = await untilServing(child, 60_000);
  const token = createAdminToken(
    bin,
    'registry:pull,registry:push,registry:delete',
    ['--data', dataDir],
    { cwd: dataDir, env },
  );
  return {
    name: 'moat',
    host,
    pid: child.pid,
    token,
    async stop() {
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts `docker-registry serve` on a free loopback port with storage under `parent`. */
export async function startDistribution(parent) {
  const dir = await mkdtemp(join(parent, 'distribution-'));
  const host = `127.0.0.1:${await freePort()}`;
  await writeFile(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:\n  level: error\n  accesslog:\n    disabled: true',
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\n  delete:\n    enabled: true`,
      `http:\n  addr: ${host}\n  secret: moat-bench`,
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}`);
    try {
      await fetch(`http://${host}/v2/`);
      break;
    } catch (error) {
      if (i > 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    name: 'distribution',
    host,
    pid: child.pid,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A pull token from moat's `/auth/token` (the challenge of `/v2/` names realm and service), for
 * `admin` with its personal access token (a string), or for `{ username, password }` (a robot).
 */
export async function moatToken(host, scope, credentials) {
  const { username, password } =
    typeof credentials === 'string' ? { username: 'admin', password: credentials } : credentials;
  const challenge = (await fetch(`http://${host}/v2/`)).headers.get('www-authenticate') ?? '';
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
  const url = new URL(params.realm);
  url.searchParams.set('service', params.service ?? '');
  url.searchParams.set('scope', scope);
  const basic = Buffer.from(`${username}:${password}`).toString('base64');
  const response = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`token: ${response.status}`);
  return body.token ?? body.access_token;
}
