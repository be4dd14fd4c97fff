/**
 * Test upstreams for the proxy: Moat's own registry in-process (`startTestRegistry`) with images
 * built by code (or the scan fixture image), behind a small HTTP front that counts requests and
 * can turn hostile — down, lying about manifest or blob bytes, or sending a tag's digest that
 * does not match — and a downstream: real stores, a real secret box and audit log, real scanning
 * (in-process queue, internal registry, signing key, the scan fixtures' vulnerability database),
 * the proxy settings and the service.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  pushBlob,
  pushManifest,
  sha256,
  type TestRegistry,
} from '../../../../test/conformance/registry-harness.js';
import { writeScanDb, writeScanImage } from '../../../__fixtures__/scan-image.js';
import { openAuditLog } from '../../../auth/audit/log.js';
import { openSecretBox } from '../../../auth/secrets/box.js';
import type { SecretBox } from '../../../auth/model.js';
import { openScanning, type Scanning } from '../../../jobs/scan-open.js';
import { startS3rver } from '../../../store/blobs/__fixtures__/s3rver.js';
import { createTestDatabase } from '../../../store/metadata/test-database.js';
import { openStores, type OpenStores } from '../../../store/open.js';
import { openProxyService, type ProxyServiceOptions } from '../service.js';
import { proxyProjects, type ProxyProjects } from '../upstream.js';

/** An image pushed upstream. */
export interface PushedImage {
  digest: string;
  manifest: Buffer;
  /** Config and layer digests. */
  blobs: string[];
}

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';

/** Pushes an image of `layers` random layers (`layerBytes` each) under `repository:tag`. */
export async function pushImage(
  registry: TestRegistry,
  repository: string,
  tag: string,
  options: { layers?: number; layerBytes?: number; arch?: string } = {},
): Promise<PushedImage> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.arch ?? 'amd64',
      os: 'linux',
      config: { Labels: { nonce: randomBytes(8).toString('hex') } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const layers = Array.from({ length: options.layers ?? 2 }, () =>
    randomBytes(options.layerBytes ?? 4096),
  );
  for (const content of [config, ...layers]) {
    const pushed = await pushBlob(registry, repository, { content, digest: sha256(content) });
    if (pushed.status !== 201) throw new Error(`blob push: ${pushed.status}`);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifest,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: layers.map((layer) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: sha256(layer),
        size: layer.length,
      })),
    }),
  );
  const put = await pushManifest(registry, repository, tag, manifest);
  if (put.status !== 201) throw new Error(`manifest push: ${put.status}`);
  return { digest: sha256(manifest), manifest, blobs: [config, ...layers].map((b) => sha256(b)) };
}

/** Pushes an index of one image per architecture under `repository:tag`. */
export async function pushIndex(
  registry: TestRegistry,
  repository: string,
  tag: string,
  arches: string[],
): Promise<PushedImage & { children: PushedImage[] }> {
  const children: PushedImage[] = [];
  for (const arch of arches) {
    children.push(await pushImage(registry, repository, `${tag}-${arch}`, { arch, layers: 1 }));
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: children.map((child, i) => ({
        mediaType: ociManifest,
        digest: child.digest,
        size: child.manifest.length,
        platform: { os: 'linux', architecture: arches[i] },
      })),
    }),
  );
  const put = await pushManifest(registry, repository, tag, index, ociIndex);
  if (put.status !== 201) throw new Error(`index push: ${put.status}`);
  return {
    digest: sha256(index),
    manifest: index,
    blobs: children.flatMap((child) => child.blobs),
    children,
  };
}

/**
 * Pushes the scan fixture image (`src/__fixtures__/scan-image.ts`: lodash, minimist, requests)
 * under `repository:tag`; scanned against the fixtures' database it has one finding of each
 * severity CRITICAL, HIGH, MEDIUM and LOW.
 */
export async function pushScanImage(
  registry: TestRegistry,
  repository: string,
  tag: string,
): Promise<PushedImage> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-proxy-scan-image-'));
  try {
    await writeScanImage(dir);
    const blob = (digest: string) => readFile(join(dir, 'blobs', ...digest.split(':')));
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; mediaType: string }[];
    };
    const top = index.manifests[0];
    if (top === undefined) throw new Error('the scan fixture layout holds no image');
    const manifest = await blob(top.digest);
    const document = JSON.parse(manifest.toString('utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const blobs = [document.config.digest, ...document.layers.map((l) => l.digest)];
    for (const digest of blobs) {
      const pushed = await pushBlob(registry, repository, { content: await blob(digest), digest });
      if (pushed.status !== 201) throw new Error(`blob push: ${pushed.status}`);
    }
    const put = await pushManifest(registry, repository, tag, manifest, top.mediaType);
    if (put.status !== 201) throw new Error(`manifest push: ${put.status}`);
    return { digest: top.digest, manifest, blobs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How the front answers. */
export type FrontMode =
  'pass' | 'down' | 'lie-manifest' | 'lie-blob' | 'short-blob' | 'lie-tag-digest';

/** A counting, optionally hostile HTTP front of an upstream registry. */
export interface HostileFront {
  url: string;
  mode: FrontMode;
  /** `METHOD path` of every request received, in order. */
  requests: string[];
  /** How many requests matched `method` and a path containing `fragment`. */
  count(method: string, fragment: string): number;
  close(): Promise<void>;
}

/** Starts a front that forwards to `upstream` (`http://127.0.0.1:PORT`). */
export async function startHostileFront(upstream: string): Promise<HostileFront> {
  const target = new URL(upstream);
  const front: HostileFront = {
    url: '',
    mode: 'pass',
    requests: [],
    count: (method, fragment) =>
      front.requests.filter((r) => r.startsWith(`${method} `) && r.includes(fragment)).length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    front.requests.push(`${req.method} ${req.url}`);
    if (front.mode === 'down') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
      return;
    }
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => void relay(front.mode, req, answer, res),
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return front;
}

async function relay(
  mode: FrontMode,
  req: IncomingMessage,
  answer: IncomingMessage,
  res: import('node:http').ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer) chunks.push(chunk as Buffer);
  let body = Buffer.concat(chunks);
  const headers = { ...answer.headers };
  const isGet = req.method === 'GET' && answer.statusCode === 200;
  const path = req.url ?? '';
  if (isGet && mode === 'lie-manifest' && path.includes('/manifests/')) {
    // The same document with one more space, under the original's declared digest.
    body = Buffer.from(`${body.toString('utf8')} `);
  }
  if (isGet && mode === 'lie-blob' && path.includes('/blobs/')) {
    body = Buffer.from(body);
    body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 0xff;
  }
  if (isGet && mode === 'short-blob' && path.includes('/blobs/')) {
    body = body.subarray(0, Math.max(0, body.length - 10));
    headers['content-length'] = String(body.length);
  }
  if (mode === 'lie-tag-digest' && path.includes('/manifests/') && !path.includes('sha256:')) {
    headers['docker-content-digest'] = `sha256:${'0'.repeat(64)}`;
  }
  if (req.method !== 'HEAD') headers['content-length'] = String(body.length);
  res.writeHead(answer.statusCode ?? 502, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A downstream registry's stores with the proxy service over them. */
export interface Downstream {
  stores: OpenStores;
  secrets: SecretBox;
  context: ProxyServiceOptions['context'];
  projects: ProxyProjects;
  /** The real scan service, running the scans the proxy requests on this process. */
  scans: Scanning['scans'];
  /** `repository@digest` of every scan recorded (`artifact_scans`), sorted. */
  scanned(): Promise<string[]>;
  service: ReturnType<typeof openProxyService>;
  close(): Promise<void>;
}

/** The downstream's stores: the embedded default or the scale-out pair. */
export type DownstreamBackend = 'sqlite + fs' | 'postgres + s3';

/** Opens empty stores and the proxy service over them. */
export async function openDownstream(
  options: Pick<ProxyServiceOptions, 'limits'> & {
    maxManifestBytes?: number;
    backend?: DownstreamBackend;
  } = {},
): Promise<Downstream> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-proxy-'));
  const scaleOut = options.backend === 'postgres + s3';
  const database = scaleOut ? await createTestDatabase() : undefined;
  const s3 = scaleOut ? await startS3rver() : undefined;
  const stores = await openStores({
    metadata: database
      ? { kind: 'postgres', url: database.url }
      : { kind: 'sqlite', path: join(dir, 'moat.db') },
    blobs: s3 ? s3.config('moat/') : { kind: 'fs', root: join(dir, 'blobs') },
  });
  const secrets = await openSecretBox({
    database: stores.database,
    masterKey: randomBytes(32).toString('hex'),
  });
  const audit = await openAuditLog({ database: stores.database, secrets });
  const limits = {
    maxManifestBytes: options.maxManifestBytes ?? 4 * 1024 * 1024,
    maxBlobBytes: 64 * 1024 * 1024,
    uploadTtlMs: 60 * 60_000,
    maxPageSize: 1000,
  };
  const cacheDir = join(dir, 'cache');
  await writeScanDb(cacheDir);
  const scanning = await openScanning({
    config: { jobs: { concurrency: 2 }, scan: { onPush: true, cacheDir, offline: true }, limits },
    stores,
    audit,
    secrets,
    log: { info: () => undefined, warn: () => undefined },
    version: 'test',
    timings: { backoffMs: 10, dbWatchMs: 0 },
  });
  const context: ProxyServiceOptions['context'] = {
    meta: stores.meta,
    blobs: stores.blobs,
    scans: scanning.scans,
    limits,
  };
  const projects = proxyProjects(stores.database, secrets);
  const service = openProxyService({
    context,
    projects,
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    client: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
  });
  return {
    stores,
    secrets,
    context,
    projects,
    scans: scanning.scans,
    scanned: async () => {
      const rows = await stores.database.read((db) =>
        db.selectFrom('artifact_scans').select(['repository', 'digest']).execute(),
      );
      return rows.map((r) => `${r.repository}@${r.digest}`).sort();
    },
    service,
    close: async () => {
      await scanning.close(10_000);
      await audit.flush();
      await stores.close();
      await database?.drop();
      await s3?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
