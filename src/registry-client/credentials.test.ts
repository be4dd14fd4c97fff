import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { resolveCredentials } from './credentials.js';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'moat-creds-'));
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function writeDockerConfig(dir: string, auths: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }));
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('resolveCredentials', () => {
  it('prefers explicit credentials over the environment and the Docker config', async () => {
    await writeDockerConfig(join(home, '.docker'), { 'r.example': { auth: b64('cfg:cfgpw') } });
    const env = { MOAT_REGISTRY_USERNAME: 'env', MOAT_REGISTRY_PASSWORD: 'envpw' };
    const creds = await resolveCredentials('r.example', {
      username: 'cli',
      password: 'clipw',
      env,
      homeDir: home,
    });
    expect(creds).toEqual({ username: 'cli', password: 'clipw' });
  });

  it('prefers the environment over the Docker config', async () => {
    await writeDockerConfig(join(home, '.docker'), { 'r.example': { auth: b64('cfg:cfgpw') } });
    const env = { MOAT_REGISTRY_USERNAME: 'env', MOAT_REGISTRY_PASSWORD: 'envpw' };
    expect(await resolveCredentials('r.example', { env, homeDir: home })).toEqual({
      username: 'env',
      password: 'envpw',
    });
  });

  it('decodes a base64 auth entry, keeping colons in the password', async () => {
    await writeDockerConfig(join(home, '.docker'), { 'r.example': { auth: b64('u:p:w') } });
    expect(await resolveCredentials('r.example', { env: {}, homeDir: home })).toEqual({
      username: 'u',
      password: 'p:w',
    });
  });

  it('reads username and password fields when there is no auth field', async () => {
    await writeDockerConfig(join(home, '.docker'), {
      'https://r.example': { username: 'u', password: 'pw' },
    });
    expect(await resolveCredentials('r.example', { env: {}, homeDir: home })).toEqual({
      username: 'u',
      password: 'pw',
    });
  });

  it('finds Docker Hub credentials stored under https://index.docker.io/v1/', async () => {
    await writeDockerConfig(join(home, '.docker'), {
      'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
    });
    expect(await resolveCredentials('docker.io', { env: {}, homeDir: home })).toEqual({
      username: 'hub',
      password: 'hubpw',
    });
  });

  it('honours DOCKER_CONFIG over the home directory', async () => {
    await writeDockerConfig(join(home, '.docker'), { 'r.example': { auth: b64('home:x') } });
    const elsewhere = join(home, 'elsewhere');
    await writeDockerConfig(elsewhere, { 'r.example': { auth: b64('custom:y') } });
    const creds = await resolveCredentials('r.example', {
      env: { DOCKER_CONFIG: elsewhere },
      homeDir: home,
    });
    expect(creds?.username).toBe('custom');
  });

  it('returns undefined for a host the config does not know', async () => {
    await writeDockerConfig(join(home, '.docker'), { 'other.example': { auth: b64('a:b') } });
    expect(await resolveCredentials('r.example', { env: {}, homeDir: home })).toBeUndefined();
  });

  it('returns undefined when there is no Docker config at all', async () => {
    expect(await resolveCredentials('r.example', { env: {}, homeDir: home })).toBeUndefined();
  });

  it('rejects a malformed auth entry without revealing it', async () => {
    await writeDockerConfig(join(home, '.docker'), { 'r.example': { auth: b64('secretnocolon') } });
    const error: unknown = await resolveCredentials('r.example', { env: {}, homeDir: home }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'TARGET_INVALID' });
    expect((error as Error).message).not.toContain('secretnocolon');
  });
});
