/**
 * A small in-memory distribution registry on node:http, a test peer for what Moat's own registry
 * does not do: no referrers API (404, like Distribution 2.8) and no `OCI-Subject`, upload
 * `Location`s relative or absolute, Bearer tokens whose requested scopes are recorded, and an
 * `intercept` hook through which a test answers any request itself (hostile registries).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the registry behaves. */
export interface MemoryRegistryOptions {
  /** Serve `GET /v2/<name>/referrers/<digest>` (default false: 404). */
  referrers?: boolean;
  /** Upload Locations as absolute URLs (default: relative paths). */
  absoluteLocations?: boolean;
  /** Require a Bearer token from `/token` (any credentials accepted; scopes recorded). */
  bearer?: boolean;
  /** Answers a request itself when it returns true. */
  intercept?: (request: IncomingMessage, response: ServerResponse, body: Buffer) => boolean;
}

/** A running memory registry. */
export interface MemoryRegistry {
  host: string;
  url: string;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  /** Every `scope` a token was asked for. */
  scopes: string[];
  manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  blobs: Map<string, Buffer>;
  close(): Promise<void>;
}

const digestOf = (bytes: Buffer): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Starts a memory registry on 127.0.0.1 and a free port. */
export async function startMemoryRegistry(
  options: MemoryRegistryOptions = {},
): Promise<MemoryRegistry> {
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  const blobs = new Map<string, Buffer>();
  const requests: string[] = [];
  const scopes: string[] = [];
  let uploads = 0;
  let base = '';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push(`${request.method} ${request.url}`);
      if (options.intercept?.(request, response, body) === true) return;
      handle(request, response, body);
    });
  });
  const send = (response: ServerResponse, status: number, headers = {}, body?: Buffer): void => {
    response.writeHead(status, headers);
    response.end(body);
  };
  const handle = (request: IncomingMessage, response: ServerResponse, body: Buffer): void => {
    const url = new URL(request.url ?? '/', base);
    if (url.pathname === '/token') {
      for (const scope of url.searchParams.getAll('scope')) scopes.push(scope);
      send(response, 200, { 'content-type': 'application/json' }, Buffer.from('{"token":"t"}'));
      return;
    }
    if (options.bearer === true && request.headers.authorization !== 'Bearer t') {
      send(response, 401, {
        'www-authenticate': `Bearer realm="${base}/token",service="memory"`,
      });
      return;
    }
    const method = request.method ?? 'GET';
    const upload = /^\/upload\/\d+$/.exec(url.pathname);
    if (upload !== null && method === 'PUT') {
      const digest = url.searchParams.get('digest') ?? '';
      if (digest !== digestOf(body)) return send(response, 400);
      blobs.set(digest, body);
      return send(response, 201, {
        'docker-content-digest': digest,
        location: `/v2/x/blobs/${digest}`,
      });
    }
    const match = /^\/v2\/(.+)\/(blobs|manifests|referrers)\/(.*)$/.exec(url.pathname);
    if (url.pathname === '/v2/') return send(response, 200, {}, Buffer.from('{}'));
    if (match === null) return send(response, 404);
    const [, name = '', kind, reference = ''] = match;
    if (kind === 'blobs' && reference === 'uploads/' && method === 'POST') {
      uploads += 1;
      const location = `/upload/${uploads}?session=s${uploads}`;
      return send(response, 202, {
        location: options.absoluteLocations === true ? `${base}${location}` : location,
      });
    }
    if (kind === 'blobs') {
      const blob = blobs.get(reference);
      if (blob === undefined) return send(response, 404);
      return send(
        response,
        200,
        { 'content-length': String(blob.length) },
        method === 'HEAD' ? undefined : blob,
      );
    }
    if (kind === 'manifests' && method === 'PUT') {
      const digest = digestOf(body);
      const mediaType = request.headers['content-type'] ?? '';
      manifests.set(`${name}@${digest}`, { bytes: body, mediaType });
      manifests.set(`${name}:${reference}`, { bytes: body, mediaType });
      return send(response, 201, { 'docker-content-digest': digest });
    }
    if (kind === 'manifests') {
      const key = reference.includes(':') ? `${name}@${reference}` : `${name}:${reference}`;
      const found = manifests.get(key);
      if (found === undefined) {
        const error = Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
        return send(response, 404, { 'content-type': 'application/json' }, error);
      }
      return send(
        response,
        200,
        { 'content-type': found.mediaType, 'docker-content-digest': digestOf(found.bytes) },
        method === 'HEAD' ? undefined : found.bytes,
      );
    }
    if (options.referrers !== true) return send(response, 404);
    const listed = [...manifests.entries()]
      .filter(([key]) => key.startsWith(`${name}@`))
      .map(([, m]) => ({ m, json: JSON.parse(m.bytes.toString()) as Record<string, unknown> }))
      .filter(({ json }) => (json.subject as { digest?: string } | undefined)?.digest === reference)
      .map(({ m, json }) => ({
        mediaType: m.mediaType,
        digest: digestOf(m.bytes),
        size: m.bytes.length,
        artifactType: json.artifactType,
        annotations: json.annotations,
      }));
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: listed,
    };
    return send(
      response,
      200,
      { 'content-type': 'application/vnd.oci.image.index.v1+json' },
      Buffer.from(JSON.stringify(index)),
    );
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  base = `http://${host}`;
  return {
    host,
    url: base,
    requests,
    scopes,
    manifests,
    blobs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Stores a minimal image manifest under `name:tag` and returns its digest. */
export function seedImage(registry: MemoryRegistry, name: string, tag: string): string {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: digestOf(Buffer.from('{}')),
        size: 2,
      },
      layers: [],
    }),
  );
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const digest = digestOf(bytes);
  registry.manifests.set(`${name}:${tag}`, { bytes, mediaType });
  registry.manifests.set(`${name}@${digest}`, { bytes, mediaType });
  return digest;
}
