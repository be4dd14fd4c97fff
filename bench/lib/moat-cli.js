// What the benchmarks that start the built CLI share: its path, a clean environment, a free
// port, waiting for `moat serve` to be ready, an administrator's access token, and the median.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build` first). */
export const moat = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin/moat.cjs');

/** This process's environment without any `MOAT_*` variable, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('MOAT_')) delete env[key];
  return { ...env, ...extra };
}

/** A free TCP port on 127.0.0.1 (free when asked: another process may take it since). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Waits until `moat serve` running as `child` (stderr piped) says it serves; resolves to its
 * `host:port` and `logs()`, the last 20,000 characters of its stderr, kept on after the start.
 * Rejects when it exits first or is not ready within `timeoutMs`.
 */
export async function untilServing(child, timeoutMs) {
  let stderr = '';
  const host = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`moat serve not ready:\n${stderr}`)),
      timeoutMs,
    );
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
      const match = /moat: serving on https?:\/\/(\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moat serve exited ${code}:\n${stderr}`));
    });
  });
  return { host, logs: () => stderr };
}

/**
 * A personal access token of `admin` with `scopes` (comma-separated), made with
 * `moat admin token create`; `where` names the server's files (`--data DIR`, `--config FILE`).
 */
export function createAdminToken(bin, scopes, where, options) {
  const created = execFileSync(
    process.execPath,
    [
      bin,
      'admin',
      'token',
      'create',
      '--user',
      'admin',
      '--name',
      'bench',
      '--scopes',
      scopes,
      ...where,
    ],
    { ...options, encoding: 'utf8' },
  );
  const token = /moat_pat_\S+/.exec(created)?.[0];
  if (token === undefined) throw new Error('moat admin token create printed no token');
  return token;
}

/** The median of `values` (the upper one of an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
