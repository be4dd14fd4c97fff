/**
 * A real registry for end-to-end tests: CNCF Distribution (`docker-registry serve`) on a free
 * loopback port with temporary storage, optionally behind htpasswd Basic auth or Docker token
 * auth (with a tiny ES256 token server in the test process), plus builders for OCI layouts made
 * with umoci and pushed with skopeo.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import type { Platform } from '../../src/image/types.js';

const run = promisify(execFile);

/** A test environment problem (a tool failed, a fixture is missing), not a Moat error. */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

/** Basic credentials for the registry or the token server. */
export interface TestCredentials {
  username: string;
  password: string;
}

/** How the registry authenticates clients. */
export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; credentials: TestCredentials }
  | { kind: 'token'; tokenServer: TokenServer };

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  stop(): Promise<void>;
}

/** A running token server and what it has been asked. */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  /** Every token request received, in order. */
  requests: URL[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForRegistry(
  host: string,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) {
      throw new HarnessError(`docker-registry exited with ${child.exitCode}: ${log()}`);
    }
    try {
      await fetch(`http://${host}/v2/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new HarnessError(`docker-registry did not answer on ${host}: ${log()}`);
}

function authConfig(auth: RegistryAuth, dir: string): string {
  if (auth.kind === 'none') return '';
  if (auth.kind === 'htpasswd') {
    return `auth:\n  htpasswd:\n    realm: moat-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const t = auth.tokenServer;
  return `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certPath}\n`;
}

/** Starts `docker-registry serve` on a free loopback port and waits until `/v2/` answers. */
export async function startRegistry(auth: RegistryAuth = { kind: 'none' }): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  if (auth.kind === 'htpasswd') {
    const { stdout } = await run('htpasswd', [
      '-Bbn',
      auth.credentials.username,
      auth.credentials.password,
    ]);
    await writeFile(join(dir, 'htpasswd'), stdout);
  }
  const config = [
    'version: 0.1',
    'log:\n  level: error\n  accesslog:\n    disabled: true',
    `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}`,
    `http:\n  addr: ${host}\n  secret: moat-e2e`,
    authConfig(auth, dir),
  ].join('\n');
  await writeFile(join(dir, 'config.yml'), config);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await waitForRegistry(host, child, () => stderr);
  return {
    host,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * Starts a Docker token server on loopback issuing ES256 JWTs whose `x5c` header holds a
 * self-signed certificate (made with openssl); when `credentials` is given, only they get tokens.
 */
export async function startTokenServer(credentials?: TestCredentials): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-token-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '2',
    '-subj',
    '/CN=moat-test-token',
  ]);
  const key = createPrivateKey(await readFile(keyPath));
  const certDer = (await readFile(certPath, 'utf8')).replace(/-----[A-Z ]+-----|\s/g, '');
  const service = 'moat-test-registry';
  const issuer = 'moat-test-issuer';
  const requests: URL[] = [];
  const expected = credentials
    ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    : undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    requests.push(url);
    if (expected !== undefined && req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
      return;
    }
    const access = url.searchParams.getAll('scope').map((scope) => {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      return {
        type: scope.slice(0, first),
        name: scope.slice(first + 1, last),
        actions: scope.slice(last + 1).split(','),
      };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] };
    const claims = {
      iss: issuer,
      sub: 'tester',
      aud: service,
      iat: now,
      nbf: now - 10,
      exp: now + 300,
      jti: `${now}-${requests.length}`,
      access,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${signingInput}.${base64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One image to put into an OCI layout: its tag, files (path → content) and platform. */
export interface LayoutImage {
  tag: string;
  files: Record<string, string>;
  platform?: Platform;
}

/**
 * Builds an OCI layout with umoci: one image per entry, each with a single layer of `files`.
 * (`umoci unpack` + `repack` rather than `umoci insert`, whose 0.4.7 tars lack their last blocks.)
 */
export async function buildOciLayout(layout: string, images: LayoutImage[]): Promise<void> {
  await run('umoci', ['init', '--layout', layout]);
  for (const image of images) {
    const bundle = await mkdtemp(join(tmpdir(), 'moat-bundle-'));
    const ref = `${layout}:${image.tag}`;
    await run('umoci', ['new', '--image', ref]);
    await rm(bundle, { recursive: true, force: true });
    await run('umoci', ['unpack', '--rootless', '--image', ref, bundle]);
    for (const [path, content] of Object.entries(image.files)) {
      const target = join(bundle, 'rootfs', path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await run('umoci', ['repack', '--image', ref, bundle]);
    const platform = image.platform ?? { os: 'linux', architecture: 'amd64' };
    await run('umoci', [
      'config',
      '--image',
      ref,
      '--os',
      platform.os,
      '--architecture',
      platform.architecture,
    ]);
    await rm(bundle, { recursive: true, force: true });
  }
}

interface LayoutIndex {
  schemaVersion: 2;
  manifests: Array<{
    mediaType: string;
    digest: string;
    size: number;
    annotations?: Record<string, string>;
    platform?: Platform;
  }>;
}

/** Adds to a layout an image index tagged `tag` over already-built images (by tag) and platforms. */
export async function addIndexToLayout(
  layout: string,
  tag: string,
  entries: Array<{ tag: string; platform: Platform }>,
): Promise<void> {
  const top = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as LayoutIndex;
  const manifests = entries.map(({ tag: entryTag, platform }) => {
    const found = top.manifests.find(
      (m) => m.annotations?.['org.opencontainers.image.ref.name'] === entryTag,
    );
    if (found === undefined) throw new HarnessError(`no image tagged ${entryTag} in ${layout}`);
    return { mediaType: found.mediaType, digest: found.digest, size: found.size, platform };
  });
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests,
    }),
  );
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(layout, 'blobs', 'sha256', hex), bytes);
  top.manifests.push({
    mediaType: 'application/vnd.oci.image.index.v1+json',
    digest: `sha256:${hex}`,
    size: bytes.length,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  });
  await writeFile(join(layout, 'index.json'), JSON.stringify(top));
}

/** Pushes `oci:LAYOUT:TAG` to `docker://DEST` with skopeo (`--all` keeps every platform). */
export async function pushWithSkopeo(
  layout: string,
  tag: string,
  destination: string,
  options: { credentials?: TestCredentials; all?: boolean } = {},
): Promise<void> {
  const args = ['copy', '--quiet', '--dest-tls-verify=false'];
  if (options.credentials)
    args.push('--dest-creds', `${options.credentials.username}:${options.credentials.password}`);
  if (options.all === true) args.push('--all');
  args.push(`oci:${layout}:${tag}`, `docker://${destination}`);
  await run('skopeo', args);
}
