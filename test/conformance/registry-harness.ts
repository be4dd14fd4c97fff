/**
 * A real registry for the `/v2` tests: Fastify listening on 127.0.0.1 with `registerV2`, the
 * embedded default stores (SQLite metadata, filesystem blobs) in a fresh temporary directory, and
 * the real access services (the bootstrap administrator, who must enrol a second factor, so it
 * proves itself with a personal access token over Basic; `/auth/token` for Bearer clients).
 * Requests go over HTTP with fetch.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify from 'fastify';

import { openRegistryAuth } from '../../src/auth/index.js';
import { openAccessServices, type AccessServices } from '../../src/auth/open.js';
import type { AuditLog } from '../../src/auth/services.js';
import { registerAuthRoutes } from '../../src/server/auth-routes.js';
import type { RegistryContext, RegistryLimits } from '../../src/server/context.js';
import { registerV2 } from '../../src/server/v2/index.js';
import { startS3rver, type TestS3 } from '../../src/store/blobs/__fixtures__/s3rver.js';
import { createTestDatabase, type TestDatabase } from '../../src/store/metadata/test-database.js';
import { openStores } from '../../src/store/open.js';
import type { BlobStoreConfig, MetadataStoreConfig } from '../../src/store/types.js';

const adminPassword = 'conformance-admin-password';

/** A running test registry. */
export interface TestRegistry {
  url: string;
  /** The administrator's personal access token (registry scopes), its password at the registry. */
  password: string;
  dir: string;
  ctx: RegistryContext;
  /** The audit log the registry records to. */
  audit: AuditLog;
  /** The access services behind it (users, tokens, projects). */
  services: AccessServices;
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

/**
 * Which stores back the registry: the embedded default (SQLite + filesystem) or the scale-out
 * pair (a throw-away PostgreSQL database + s3rver).
 */
export type TestBackend = 'embedded' | 'scale-out';

/** Both backends, for `describe.each`. */
export const testBackends: TestBackend[] = ['embedded', 'scale-out'];

/** Starts a registry on a free port; `limits` override the defaults. */
export async function startTestRegistry(
  limits: Partial<RegistryLimits> = {},
  backend: TestBackend = 'embedded',
): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-v2-'));
  let database: TestDatabase | undefined;
  let s3: TestS3 | undefined;
  let metaConfig: MetadataStoreConfig = { kind: 'sqlite', path: join(dir, 'moat.db') };
  let blobConfig: BlobStoreConfig = { kind: 'fs', root: join(dir, 'blobs') };
  if (backend === 'scale-out') {
    database = await createTestDatabase();
    s3 = await startS3rver();
    metaConfig = { kind: 'postgres', url: database.url };
    blobConfig = s3.config('moat/');
  }
  const stores = await openStores({ metadata: metaConfig, blobs: blobConfig });
  const { meta, blobs } = stores;
  const access = await openAccessServices({
    database: stores.database,
    config: {
      tokenTtlSeconds: 300,
      adminPassword,
      requireTwoFactor: 'admins',
      sessionIdleTimeoutMs: 30 * 60_000,
      sessionMaxAgeMs: 12 * 3_600_000,
      lockoutThreshold: 5,
      lockoutDurationMs: 15 * 60_000,
    },
    dataDir: dir,
    log: () => undefined,
  });
  const admin = await access.identity.getUser('admin');
  if (!admin) throw new Error('the bootstrap administrator was not created');
  const { token } = await access.credentials.createToken(
    { kind: 'user', name: admin.username, id: admin.id, systemAdmin: true },
    { name: 'conformance', scopes: ['registry:pull', 'registry:push', 'registry:delete'] },
    { ip: '127.0.0.1' },
  );
  const auth = await openRegistryAuth({
    meta,
    credentials: access.credentials,
    authorizer: access.authorizer,
    audit: access.audit,
    realm: '',
    service: 'moat',
    tokenTtlSeconds: 300,
  });
  const audit = access.audit;
  const ctx: RegistryContext = {
    meta,
    blobs,
    access: auth.access,
    audit,
    limits: {
      maxManifestBytes: 4 * 1024 * 1024,
      maxBlobBytes: 64 * 1024 * 1024,
      uploadTtlMs: 60 * 60_000,
      maxPageSize: 1000,
      ...limits,
    },
  };
  const app = Fastify({ logger: false, forceCloseConnections: true });
  registerV2(app, ctx);
  registerAuthRoutes(app, auth);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`;
  return {
    url,
    password: token,
    dir,
    ctx,
    audit,
    services: access,
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
      await access.close();
      await stores.close();
      await database?.drop();
      await s3?.stop();
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

/**
 * A request through node:http, whose path goes out exactly as written (fetch normalises `..` and
 * `%2e%2e` away): for traversal tests. Resolves to the status and the parsed body.
 */
export function rawRequest(
  registry: TestRegistry,
  method: string,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${registry.url}/`,
      { method, path, headers: { authorization: registry.authorization } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}
