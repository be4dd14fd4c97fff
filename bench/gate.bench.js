#!/usr/bin/env node
// Benchmark of registry enforcement: the first decision about a new image in Moat's registry
// against `moat scan` of the same image (issue 13: target <= 1.2).
// - The image is built here: one layer of BENCH_PACKAGES npm packages (default 3,000) and
//   BENCH_DATA_MB of incompressible files (default 48), as an OCI layout (umoci). The database
//   holds an advisory (CRITICAL, fixed) for every tenth package plus 2,000 unrelated records,
//   imported with `moat db import`.
// - `moat scan --offline` of the layout runs with a fresh cache directory (the database copied
//   in), so it never reads a layer cache.
// - Each decision run starts a fresh `moat serve` (fresh data directory, the same database,
//   `MOAT_SCAN_ON_PUSH=false`), enrols the administrator's TOTP, sets a project policy
//   (`maxSeverity` and `requireSignatures` with a key inline) and a pull-only robot, pushes the
//   image with skopeo, then times one `GET /v2/bench/app/manifests/<digest>`: the gate finds no scan, scans at once
//   (`onPending: wait`), gathers signatures through the internal registry, evaluates and refuses
//   (403 DENIED naming the rule, checked). That wall time is the first decision.
// - Printed: medians of BENCH_RUNS runs (default 3) and decision / scan.
// Runs against the built CLI: `npm run build && node bench/gate.bench.js` (BENCH_KEEP=1 keeps the
// work directory).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Secret, TOTP } from 'otpauth';

import { cleanEnv, median, moat, untilServing } from './lib/moat-cli.js';
import { moatToken } from './lib/registries.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const packageCount = Number(process.env.BENCH_PACKAGES ?? 3_000);
const dataMb = Number(process.env.BENCH_DATA_MB ?? 48);
const target = 1.2;
const password = 'bench-Admin-Password-1';
const keyPassword = 'bench-key-password';

const work = mkdtempSync(join(tmpdir(), 'moat-gate-bench-'));

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 ** 2 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

/** The image: npm packages and data files in one layer, tag `app`. */
function buildImage() {
  const rootfs = join(work, 'rootfs');
  for (let i = 0; i < packageCount; i++) {
    const dir = join(rootfs, 'srv/node_modules', `bench-pkg-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: `bench-pkg-${i}`, version: '1.0.0', license: 'MIT' }),
    );
  }
  const data = join(rootfs, 'srv/data');
  mkdirSync(data, { recursive: true });
  for (let i = 0; i < dataMb; i++)
    writeFileSync(join(data, `blob-${i}.bin`), randomBytes(1024 ** 2));
  const layout = join(work, 'oci');
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:app`]);
  const tar = join(work, 'rootfs.tar');
  run('tar', ['-C', rootfs, '--numeric-owner', '-cf', tar, '.']);
  run('umoci', ['raw', 'add-layer', '--image', `${layout}:app`, tar]);
  run('umoci', ['config', '--image', `${layout}:app`, '--os', 'linux', '--architecture', 'amd64']);
  rmSync(tar);
  rmSync(rootfs, { recursive: true, force: true });
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const digest = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'app',
  ).digest;
  return { layout, digest };
}

/** OSV records: every tenth package CRITICAL with a fix, plus unrelated ones. */
function buildDatabase() {
  const records = join(work, 'records');
  mkdirSync(records);
  const write = (id, name, fixed) =>
    writeFileSync(
      join(records, `${id}.json`),
      JSON.stringify({
        schema_version: '1.6.0',
        id,
        modified: '2025-01-01T00:00:00Z',
        summary: `${id} in ${name}`,
        affected: [
          {
            package: { ecosystem: 'npm', name },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
          },
        ],
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      }),
    );
  for (let i = 0; i < packageCount; i += 10) write(`BENCH-${i}`, `bench-pkg-${i}`, '1.0.1');
  for (let i = 0; i < 2_000; i++) write(`BENCH-OTHER-${i}`, `unrelated-${i}`, '2.0.0');
  const cacheDir = join(work, 'db-cache');
  run(moat, ['db', 'import', records, '-q'], cleanEnv({ MOAT_CACHE_DIR: cacheDir }));
  return cacheDir;
}

/** A fresh cache directory holding only the database. */
function freshCache(dbCache, name) {
  const dir = join(work, name);
  cpSync(dbCache, dir, { recursive: true });
  return dir;
}

function timeScan(layout, dbCache, i) {
  const cacheDir = freshCache(dbCache, `scan-cache-${i}`);
  const env = cleanEnv({ MOAT_CACHE_DIR: cacheDir, XDG_CACHE_HOME: join(cacheDir, 'xdg') });
  const cpuFile = join(work, `scan-cpu-${i}`);
  const start = process.hrtime.bigint();
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', '%U %S', '-o', cpuFile, moat, 'scan', '--offline', '--quiet', `oci:${layout}:app`],
    { env, encoding: 'utf8', maxBuffer: 256 * 1024 ** 2 },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0 && result.status !== 1 && !result.stdout) {
    throw new Error(`moat scan exited ${result.status}: ${result.stderr}`);
  }
  const [user, system] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number);
  rmSync(cacheDir, { recursive: true, force: true });
  return { seconds, cpu: user + system };
}

async function api(url, method, path, { body, token, cookie, csrf, type } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (cookie) headers.cookie = cookie;
  if (csrf) headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = type ?? 'application/json';
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return { headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function login(url, otp) {
  const answer = await api(url, 'POST', '/login', {
    body: { username: 'admin', password, ...(otp ? { otp } : {}) },
  });
  const cookie = /moat_session=[^;]+/.exec(answer.headers.get('set-cookie') ?? '')?.[0];
  return { cookie, csrf: answer.body.csrfToken };
}

/** Enrols TOTP, creates the project, a token, and the policy; returns the token. */
async function prepare(url, publicKey) {
  const first = await login(url);
  const { secret } = (await api(url, 'POST', '/users/me/totp', first)).body;
  const totp = new TOTP({ secret: Secret.fromBase32(secret) });
  await api(url, 'POST', '/users/me/totp/confirm', { ...first, body: { code: totp.generate() } });
  const next = totp.generate({ timestamp: Date.now() + 30_000 });
  const session = await login(url, next);
  await api(url, 'POST', '/projects', { ...session, body: { name: 'bench', public: false } });
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const { token } = (
    await api(url, 'POST', '/users/me/tokens', {
      ...session,
      body: { name: 'bench', scopes: ['registry:pull', 'registry:push', 'api:write'], expiresAt },
    })
  ).body;
  const policy = {
    apiVersion: 'moat.dev/v1',
    kind: 'Policy',
    metadata: { name: 'bench' },
    spec: {
      onPending: 'wait',
      pendingTimeout: '10m',
      rules: [
        { name: 'no-fixable-critical', maxSeverity: { severity: 'HIGH', ignoreUnfixed: true } },
        { name: 'signed', requireSignatures: { keys: [publicKey], minimum: 1 } },
      ],
    },
  };
  await api(url, 'PUT', '/projects/bench/policy', { token, body: policy });
  // Pulls are made as a deployment makes them: a robot that may only pull (publishers, who may
  // push, are not gated).
  const robot = (
    await api(url, 'POST', '/projects/bench/robots', {
      ...session,
      body: { name: 'deploy', permissions: ['pull'], expiresAt },
    })
  ).body;
  return { token, robot: { username: robot.name, password: robot.secret } };
}

/** CPU seconds (user + system) the server has used so far: the launcher's child, or itself. */
function serverCpu(launcher) {
  const children = readFileSync(`/proc/${launcher}/task/${launcher}/children`, 'utf8').trim();
  const pid = /^\d+$/.test(children) ? children : launcher;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServe(dbCache, i) {
  const dataDir = join(work, `data-${i}`);
  const cacheDir = freshCache(dbCache, `serve-cache-${i}`);
  const env = cleanEnv({
    MOAT_ADMIN_PASSWORD: password,
    MOAT_CACHE_DIR: cacheDir,
    XDG_CACHE_HOME: join(cacheDir, 'xdg'),
    MOAT_OFFLINE: 'true',
    MOAT_SCAN_ON_PUSH: 'false',
    MOAT_LOG_LEVEL: 'warn',
  });
  const child = spawn(moat, ['serve', '--listen', '127.0.0.1:0', '--data', dataDir], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const { host, logs } = await untilServing(child, 120_000);
  return {
    host,
    pid: child.pid,
    logs,
    async stop() {
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

async function timeDecision(image, dbCache, publicKey, i) {
  const server = await startServe(dbCache, i);
  try {
    const url = `http://${server.host}`;
    const { token, robot } = await prepare(url, publicKey);
    const auth = join(work, `auth-${i}.json`);
    run('skopeo', [
      'login',
      '--authfile',
      auth,
      '--tls-verify=false',
      '-u',
      'admin',
      '-p',
      token,
      server.host,
    ]);
    run('skopeo', [
      'copy',
      '--quiet',
      '--authfile',
      auth,
      '--dest-tls-verify=false',
      `oci:${image.layout}:app`,
      `docker://${server.host}/bench/app:1`,
    ]);
    const bearer = await moatToken(server.host, 'repository:bench/app:pull', robot);
    const cpuBefore = serverCpu(server.pid);
    const start = process.hrtime.bigint();
    const response = await fetch(`${url}/v2/bench/app/manifests/${image.digest}`, {
      headers: {
        authorization: `Bearer ${bearer}`,
        accept: 'application/vnd.oci.image.manifest.v1+json',
      },
    });
    const body = await response.text();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // Everything the server did meanwhile counts, the scan's referrers attached behind included.
    const cpu = serverCpu(server.pid) - cpuBefore;
    if (response.status !== 403 || !body.includes('no-fixable-critical')) {
      throw new Error(
        `the decision was not the expected refusal: ${response.status} ${body}\n${server.logs()}`,
      );
    }
    return { seconds, cpu };
  } finally {
    await server.stop();
  }
}

try {
  const image = buildImage();
  const dbCache = buildDatabase();
  const keyPrefix = join(work, 'key');
  run(
    moat,
    ['key', 'generate', '--output-key-prefix', keyPrefix],
    cleanEnv({ MOAT_PASSWORD: keyPassword }),
  );
  const publicKey = readFileSync(`${keyPrefix}.pub`, 'utf8');
  console.log(`image: ${packageCount} npm packages, ${dataMb} MiB of data, digest ${image.digest}`);
  const scans = [];
  const decisions = [];
  for (let i = 0; i < runs; i++) {
    scans.push(timeScan(image.layout, dbCache, i));
    decisions.push(await timeDecision(image, dbCache, publicKey, i));
    console.log(
      `run ${i + 1}: moat scan ${scans[i].seconds.toFixed(2)} s (CPU ${scans[i].cpu.toFixed(2)} s), ` +
        `first decision ${decisions[i].seconds.toFixed(2)} s (server CPU ${decisions[i].cpu.toFixed(2)} s)`,
    );
  }
  for (const measure of ['seconds', 'cpu']) {
    const decided = median(decisions.map((d) => d[measure]));
    const scanned = median(scans.map((s) => s[measure]));
    console.log(
      `first decision / moat scan, ${measure === 'cpu' ? 'CPU' : 'wall'}: ${decided.toFixed(2)} s / ${scanned.toFixed(2)} s = ${(decided / scanned).toFixed(2)} (target <= ${target})`,
    );
  }
} finally {
  if (process.env.BENCH_KEEP) console.log(`work directory kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
