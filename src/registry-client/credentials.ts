/**
 * Registry credentials for one host, from (in order) explicit options, the
 * `MOAT_REGISTRY_USERNAME`/`MOAT_REGISTRY_PASSWORD` environment variables, and Docker's
 * `config.json` (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`). Secrets never appear
 * in error messages.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { z } from 'zod';

import { InvalidInputError } from '../errors.js';

/** A username and password (or token) for Basic authentication. */
export interface Credentials {
  username: string;
  password: string;
}

/** Where {@link resolveCredentials} looks; every field defaults to the real process. */
export interface CredentialSources {
  /** Credentials given on the command line. */
  username?: string;
  password?: string;
  /** Environment to read `MOAT_REGISTRY_*` and `DOCKER_CONFIG` from. */
  env?: Record<string, string | undefined>;
  /** Home directory holding `.docker/config.json`. */
  homeDir?: string;
}

const maxConfigBytes = 1024 * 1024;

const dockerConfigSchema = z.object({
  auths: z
    .record(
      z.string(),
      z
        .object({
          auth: z.string().optional(),
          username: z.string().optional(),
          password: z.string().optional(),
        })
        .loose(),
    )
    .optional(),
});

/** The keys Docker may have stored a host's entry under (`docker login` writes several forms). */
function configKeysFor(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`];
  if (['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host)) {
    keys.unshift('https://index.docker.io/v1/', 'index.docker.io', 'docker.io');
    keys.push('registry-1.docker.io', 'https://registry-1.docker.io');
  }
  return keys;
}

function decodeAuth(auth: string, configPath: string, key: string): Credentials {
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new InvalidInputError(
      'TARGET_INVALID',
      `${configPath}: auths[${JSON.stringify(key)}].auth is not base64 of "user:password"`,
    );
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readDockerConfig(path: string): Promise<z.infer<typeof dockerConfigSchema> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InvalidInputError('TARGET_INVALID', `cannot read Docker config ${path}`, {
      cause: error,
    });
  }
  if (text.length > maxConfigBytes) {
    throw new InvalidInputError('TARGET_INVALID', `Docker config ${path} is larger than 1 MiB`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError('TARGET_INVALID', `Docker config ${path} is not valid JSON`);
  }
  const parsed = dockerConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError(
      'TARGET_INVALID',
      `Docker config ${path} has an unexpected shape at ${parsed.error.issues[0]?.path.join('.') ?? '?'}`,
    );
  }
  return parsed.data;
}

/**
 * Finds credentials for `host` (as written in references, e.g. `docker.io`, `127.0.0.1:5000`),
 * or `undefined` for anonymous access.
 * @example await resolveCredentials('ghcr.io', { username: 'me', password: 'token' })
 */
export async function resolveCredentials(
  host: string,
  sources: CredentialSources = {},
): Promise<Credentials | undefined> {
  if (sources.username !== undefined && sources.password !== undefined) {
    return { username: sources.username, password: sources.password };
  }
  const env = sources.env ?? process.env;
  const envUser = env.MOAT_REGISTRY_USERNAME;
  const envPassword = env.MOAT_REGISTRY_PASSWORD;
  if (envUser !== undefined && envUser !== '' && envPassword !== undefined) {
    return { username: envUser, password: envPassword };
  }
  const configDir = env.DOCKER_CONFIG ?? join(sources.homeDir ?? homedir(), '.docker');
  const configPath = join(configDir, 'config.json');
  const config = await readDockerConfig(configPath);
  const auths = config?.auths ?? {};
  for (const key of configKeysFor(host)) {
    const entry = Object.hasOwn(auths, key) ? auths[key] : undefined;
    if (entry === undefined) continue;
    if (entry.auth !== undefined && entry.auth !== '') {
      return decodeAuth(entry.auth, configPath, key);
    }
    if (entry.username !== undefined && entry.password !== undefined) {
      return { username: entry.username, password: entry.password };
    }
  }
  return undefined;
}
