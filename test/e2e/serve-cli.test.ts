/**
 * `moat serve` as a user starts it: the built executable prints its ready line with the real
 * port, answers `/v2/` with a Bearer challenge, refuses a bad configuration with one line and exit
 * code 2, and closes gracefully with exit code 0 on SIGTERM and SIGINT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/moat.cjs', import.meta.url));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-serve-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The environment of the test process without MOAT_* settings that would steer the server. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MOAT_') || key === 'MOAT_CACHE_DIR') env[key] = value;
  }
  return { ...env, ...extra };
}

interface Run {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function runMoat(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const cwd = await mkdtemp(join(dir, 'cwd-'));
  const child = spawn(bin, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => stderr, stdout: () => stdout, exit };
}

/** Resolves with the URL of the ready line; rejects if the process ends first. */
async function readyUrl(run: Run): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = /^moat: serving on (\S+)$/m.exec(run.stderr());
      if (match?.[1]) resolve(match[1]);
    };
    run.child.stderr?.on('data', check);
    void run.exit.then(({ code, signal }) =>
      reject(new Error(`moat serve ended (${code ?? signal}) before ready:\n${run.stderr()}`)),
    );
  });
}

describe('moat serve', () => {
  it('prints its real port, challenges /v2/ and exits 0 on SIGTERM', async () => {
    const data = join(dir, 'data-term');
    const run = await runMoat(['serve', '--listen', '127.0.0.1:0', '--data', data], {
      MOAT_ADMIN_PASSWORD: 'serve-cli-Secret-1',
    });
    const url = await readyUrl(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);

    const response = await fetch(`${url}/v2/`);
    await response.arrayBuffer();
    expect(response.status).toBe(401);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+",service="/);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBeTruthy();

    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    // The JSON request log went to stdout, the operator's lines to stderr; no password anywhere.
    expect(run.stdout()).toContain('"reqId"');
    expect(run.stdout() + run.stderr()).not.toContain('serve-cli-Secret-1');
    expect(await readdir(data)).toEqual(expect.arrayContaining(['moat.db', 'blobs']));
  });

  it('prints the generated administrator password once at first start, and exits 0 on SIGINT', async () => {
    const data = join(dir, 'data-int');
    const first = await runMoat(['serve', '--listen', '127.0.0.1:0', '--data', data]);
    await readyUrl(first);
    expect(first.stderr()).toMatch(/^moat: created user admin with password \S+ \(shown once\)$/m);
    first.child.kill('SIGINT');
    expect(await first.exit).toEqual({ code: 0, signal: null });

    const second = await runMoat(['serve', '--listen', '127.0.0.1:0', '--data', data]);
    await readyUrl(second);
    expect(second.stderr()).not.toContain('created user admin');
    second.child.kill('SIGTERM');
    expect(await second.exit).toEqual({ code: 0, signal: null });
  });

  it('refuses a bad configuration with one line and exit code 2', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['serve', '--listen', 'nowhere'], {}, /^moat: --listen: expected HOST:PORT/],
      [
        ['serve', '--listen', '127.0.0.1:0'],
        { MOAT_LIMITS_MAX_MANIFEST_BYTES: 'huge' },
        /^moat: MOAT_LIMITS_MAX_MANIFEST_BYTES: expected a size/,
      ],
      [
        ['serve', '--listen', '0.0.0.0:0'],
        {},
        /^moat: --listen: plain HTTP on 0\.0\.0\.0, which other machines reach, is refused/,
      ],
      [
        ['serve', '--config', join(dir, 'absent.yaml')],
        {},
        /^moat: .*absent\.yaml: cannot read the configuration file/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const run = await runMoat(args, env);
      expect(await run.exit).toEqual({ code: 2, signal: null });
      expect(run.stderr()).toMatch(message);
      expect(run.stderr().trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('names an unknown key of moat.yaml', async () => {
    const config = join(dir, 'typo.yaml');
    await writeFile(config, 'limits:\n  maxManifestByte: 1MiB\n');
    const run = await runMoat(['serve', '--config', config]);
    expect(await run.exit).toEqual({ code: 2, signal: null });
    expect(run.stderr()).toBe(`moat: unknown key limits.maxManifestByte in ${config}\n`);
  });

  it('runs the server without the scanner malloc setting, and a kill -9 of moat ends it', async () => {
    const data = join(dir, 'data-kill');
    const run = await runMoat(['serve', '--listen', '127.0.0.1:0', '--data', data], {
      MOAT_ADMIN_PASSWORD: 'serve-cli-Secret-2',
    });
    const url = await readyUrl(run);
    const pid = run.child.pid!;
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim();
    expect(children).toMatch(/^\d+$/);
    const environ = (await readFile(`/proc/${children}/environ`, 'utf8')).split('\0');
    expect(environ).toContain('MALLOC_ARENA_MAX=1');
    expect(environ.some((v) => v.startsWith('MALLOC_MMAP_THRESHOLD_='))).toBe(false);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    run.child.kill('SIGKILL');
    expect(await run.exit).toEqual({ code: null, signal: 'SIGKILL' });
    // The server process dies with it: its port stops answering.
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = await fetch(`${url}/healthz`).then(
        () => false,
        () => true,
      );
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused).toBe(true);
  });
});
