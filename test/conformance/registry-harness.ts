/**
 * A real registry for the `/v2` tests: Fastify listening on 127.0.0.1 with `registerV2`, the
 * embedded default stores (SQLite metadata, filesystem blobs) in a fresh temporary directory, and
 * the real access (the bootstrap administrator over Basic). Requests go over HTTP with fetch.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify from 'fastify';

import { openRegistryAuth } from '../../src/auth/index.js';
import type { RegistryContext, RegistryLimits } from '../../src/server/context.js';
import { registerV2 } from '../../src/server/v2/index.js';
import { openBlobStore } from '../../src/store/blobs/open.js';
import { openMetadataStore } from '../../src/store/metadata/open.js';

const adminPassword = 'conformance-admin-password';

/** A running test registry. */
export interface TestRegistry {
  url: string;
  dir: string;
  ctx: RegistryContext;
  /** `Basic …` for the administrator. */
  authorization: string;
  /** A request as the administrator (set `authorization: ''` in headers to send none). */
  request(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: Uint8Array | string },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a registry on a free port; `limits` override the defaults. */
export async function startTestRegistry(
  limits: Partial<RegistryLimits> = {},
): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-v2-'));
  const meta = await openMetadataStore({ kind: 'sqlite', path: join(dir, 'moat.db') });
  const blobs = await openBlobStore({ kind: 'fs', root: join(dir, 'blobs') });
  const auth = await openRegistryAuth({
    meta,
    dataDir: dir,
    realm: '',
    service: 'moat',
    tokenTtlSeconds: 300,
    adminPassword,
    log: () => undefined,
  });
  const ctx: RegistryContext = {
    meta,
    blobs,
    access: auth.access,
    limits: {
      maxManifestBytes: 4 * 1024 * 1024,
      maxBlobBytes: 64 * 1024 * 1024,
      uploadTtlMs: 60 * 60_000,
      maxPageSize: 1000,
      ...limits,
    },
  };
  const app = Fastify({ logger: false });
  registerV2(app, ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`;
  return {
    url,
    dir,
    ctx,
    authorization,
    request: (method, path, init = {}) => {
      const headers: Record<string, string> = { authorization, ...init.headers };
      if (headers['authorization'] === '') delete headers['authorization'];
      return fetch(url + path, {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    },
    close: async () => {
      await app.close();
      await meta.close();
      await blobs.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `sha256:<hex>` of `data`. */
export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The error codes of an OCI error body. */
export async function errorCodes(response: Response): Promise<string[]> {
  const body = (await response.json()) as { errors?: { code: string }[] };
  return (body.errors ?? []).map((error) => error.code);
}

/** POST then PUT, as the conformance suite pushes its setup blobs; resolves to the PUT answer. */
export async function pushBlob(
  registry: TestRegistry,
  name: string,
  blob: { content: Uint8Array; digest: string },
): Promise<Response> {
  const started = await registry.request('POST', `/v2/${name}/blobs/uploads/`);
  const location = started.headers.get('location') ?? '';
  const separator = location.includes('?') ? '&' : '?';
  return registry.request('PUT', `${location}${separator}digest=${blob.digest}`, {
    headers: { 'content-type': 'application/octet-stream' },
    body: blob.content,
  });
}

/** PUT of a manifest by tag or digest with its Content-Type. */
export function pushManifest(
  registry: TestRegistry,
  name: string,
  reference: string,
  content: Uint8Array,
  contentType = 'application/vnd.oci.image.manifest.v1+json',
): Promise<Response> {
  return registry.request('PUT', `/v2/${name}/manifests/${reference}`, {
    headers: { 'content-type': contentType },
    body: content,
  });
}
