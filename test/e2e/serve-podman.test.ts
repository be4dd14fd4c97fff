/**
 * `moat serve` with podman (Debian) as the client: an image built from scratch with buildah is
 * pushed after `podman login`, removed locally, pulled back by tag and by digest, and keeps its
 * manifest digest and image id. Storage is vfs in a temporary directory (no overlay mount needed).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { requireTools } from './require-tools.js';
import { makeWorkDir, mustRun } from './serve-clients.js';
import { startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['podman', 'buildah']);

let work: string;
let server: MoatServer;
let env: NodeJS.ProcessEnv;
let storage: string[];

const podman = (args: string[]) => mustRun('podman', [...storage, ...args], { env });
const buildah = (args: string[]) => mustRun('buildah', [...storage, ...args], { env });

beforeAll(async () => {
  ({ dir: work } = await makeWorkDir('serve-podman'));
  const root = join(work, 'root');
  const runroot = join(work, 'runroot');
  const conf = join(work, 'storage.conf');
  await writeFile(
    conf,
    `[storage]\ndriver = "vfs"\ngraphroot = "${root}"\nrunroot = "${runroot}"\n`,
  );
  env = {
    CONTAINERS_STORAGE_CONF: conf,
    REGISTRY_AUTH_FILE: join(work, 'auth.json'),
    XDG_RUNTIME_DIR: join(work, 'xdg'),
  };
  await mkdir(join(work, 'xdg'));
  // buildah refuses an auth file that does not exist yet.
  await writeFile(join(work, 'auth.json'), '{"auths":{}}');
  storage = ['--root', root, '--runroot', runroot, '--storage-driver', 'vfs'];
  await writeFile(join(work, 'hello.txt'), 'hello from podman\n');
  await writeFile(join(work, 'data.bin'), 'd'.repeat(100_000));
  const container = (await buildah(['from', 'scratch'])).trim();
  await buildah(['copy', container, join(work, 'hello.txt'), '/hello.txt']);
  await buildah(['commit', container, 'localhost/e2e/base:1']);
  const second = (await buildah(['from', 'localhost/e2e/base:1'])).trim();
  await buildah(['copy', second, join(work, 'data.bin'), '/srv/data.bin']);
  await buildah(['config', '--label', 'org.example.test=podman', second]);
  await buildah(['commit', second, 'localhost/e2e/tiny:1']);
  server = await startMoatServe();
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('moat serve with podman', () => {
  it('pushes and pulls an image built with buildah, keeping its digests', async () => {
    await podman([
      'login',
      '--tls-verify=false',
      '--username',
      server.credentials.username,
      '--password',
      server.credentials.password,
      server.host,
    ]);
    const remote = `${server.host}/e2e/podman/tiny:1`;
    const imageId = (
      await podman(['image', 'inspect', '--format', '{{.Id}}', 'localhost/e2e/tiny:1'])
    ).trim();
    const digestFile = join(work, 'digest');
    await podman([
      'push',
      '--tls-verify=false',
      '--digestfile',
      digestFile,
      'localhost/e2e/tiny:1',
      `docker://${remote}`,
    ]);
    const pushed = (await readFile(digestFile, 'utf8')).trim();
    expect(pushed).toMatch(/^sha256:[a-f0-9]{64}$/);

    await podman(['rmi', '--all', '--force']);
    await podman(['pull', '--tls-verify=false', remote]);
    expect((await podman(['image', 'inspect', '--format', '{{.Id}}', remote])).trim()).toBe(
      imageId,
    );
    expect((await podman(['image', 'inspect', '--format', '{{.Digest}}', remote])).trim()).toBe(
      pushed,
    );

    await podman(['rmi', '--all', '--force']);
    await podman(['pull', '--tls-verify=false', `${server.host}/e2e/podman/tiny@${pushed}`]);
    const images = await podman(['images', '--digests', '--format', '{{.Digest}} {{.ID}}']);
    expect(images.trim()).toBe(`${pushed} ${imageId.slice(0, 12)}`);
  });
});
