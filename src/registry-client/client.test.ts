import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { mediaTypes } from '../image/media-types.js';
import { RegistryClient } from './client.js';
import type { RetryEvent } from './retry.js';

interface SeenRequest {
  url: string;
  authorization: string | undefined;
}

interface FakeServer {
  host: string;
  seen: SeenRequest[];
}

const open: Array<() => void> = [];

afterEach(() => {
  for (const close of open.splice(0)) close();
});

/** An in-process HTTP server on 127.0.0.1 that records every request it answers. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<FakeServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const digestOf = (bytes: Buffer): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: { mediaType: mediaTypes.ociConfig, digest: `sha256:${'c'.repeat(64)}`, size: 2 },
    layers: [],
  }),
);

function sendManifest(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': mediaTypes.ociManifest });
  res.end(manifest);
}

function sendError(res: ServerResponse, status: number, code: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ errors: [{ code, message: `${code.toLowerCase()} says the server` }] }));
}

const fastRetry = { baseDelayMs: 1, maxDelayMs: 5 };

describe('RegistryClient.getManifest', () => {
  it('returns the media type, digest and bytes of a manifest fetched by tag', async () => {
    const registry = await serve((_req, res) => sendManifest(res));
    const client = new RegistryClient({ host: registry.host });
    const fetched = await client.getManifest('a/b', 'v1');
    expect(fetched).toEqual({
      mediaType: mediaTypes.ociManifest,
      digest: digestOf(manifest),
      bytes: manifest,
    });
    expect(registry.seen[0]?.url).toBe('/v2/a/b/manifests/v1');
  });

  it('retries a 503 and then succeeds', async () => {
    let calls = 0;
    const registry = await serve((_req, res) => {
      calls += 1;
      if (calls <= 2) sendError(res, 503, 'UNAVAILABLE');
      else sendManifest(res);
    });
    const client = new RegistryClient({ host: registry.host, retry: fastRetry });
    await expect(client.getManifest('a/b', 'v1')).resolves.toMatchObject({
      digest: digestOf(manifest),
    });
    expect(registry.seen).toHaveLength(3);
  });

  it('gives up after the last attempt with REGISTRY_UNAVAILABLE', async () => {
    const registry = await serve((_req, res) => sendError(res, 502, 'UNAVAILABLE'));
    const client = new RegistryClient({
      host: registry.host,
      retry: { ...fastRetry, maxAttempts: 3 },
    });
    await expect(client.getManifest('a/b', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
    });
    expect(registry.seen).toHaveLength(3);
  });

  it('waits what Retry-After asks for, capped by maxDelayMs, instead of the backoff', async () => {
    let calls = 0;
    const registry = await serve((_req, res) => {
      calls += 1;
      if (calls === 1) sendError(res, 429, 'TOOMANYREQUESTS', { 'retry-after': '7' });
      else sendManifest(res);
    });
    const events: RetryEvent[] = [];
    const retry = { baseDelayMs: 1, maxDelayMs: 30, onRetry: (e: RetryEvent) => events.push(e) };
    const client = new RegistryClient({ host: registry.host, retry });
    await client.getManifest('a/b', 'v1');
    expect(events).toEqual([{ attempt: 1, delayMs: 30, reason: 'HTTP 429' }]);
  });

  it('does not retry a 404 and maps MANIFEST_UNKNOWN naming the host, repository and tag', async () => {
    const registry = await serve((_req, res) => sendError(res, 404, 'MANIFEST_UNKNOWN'));
    const client = new RegistryClient({ host: registry.host, retry: fastRetry });
    const error: unknown = await client.getManifest('a/b', 'nope').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REGISTRY_MANIFEST_UNKNOWN' });
    expect((error as Error).message).toContain(`${registry.host}/a/b:nope`);
    expect(registry.seen).toHaveLength(1);
  });

  it.each([
    ['DENIED', 403, 'REGISTRY_DENIED'],
    ['NAME_UNKNOWN', 404, 'REGISTRY_NAME_UNKNOWN'],
    ['UNSUPPORTED', 415, 'REGISTRY_PROTOCOL'],
  ])('maps the OCI error code %s to %s', async (code, status, expected) => {
    const registry = await serve((_req, res) => sendError(res, status, code));
    const client = new RegistryClient({ host: registry.host });
    await expect(client.getManifest('a/b', 'v1')).rejects.toMatchObject({ code: expected });
  });

  it('fails with LIMIT_EXCEEDED when a manifest is larger than the limit', async () => {
    const registry = await serve((_req, res) => sendManifest(res));
    const client = new RegistryClient({ host: registry.host, maxManifestBytes: 64 });
    await expect(client.getManifest('a/b', 'v1')).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('fails with DIGEST_MISMATCH when a manifest fetched by digest hashes differently', async () => {
    const registry = await serve((_req, res) => sendManifest(res));
    const client = new RegistryClient({ host: registry.host });
    await expect(client.getManifest('a/b', `sha256:${'0'.repeat(64)}`)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
  });

  it('rejects a schema 1 manifest with UNSUPPORTED_MEDIA_TYPE', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws',
      });
      res.end('{"schemaVersion":1}');
    });
    const client = new RegistryClient({ host: registry.host });
    await expect(client.getManifest('a/b', 'v1')).rejects.toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  });
});

describe('RegistryClient network failures', () => {
  it('retries a registry that sends no headers in time and then reports REGISTRY_UNAVAILABLE', async () => {
    const registry = await serve(() => {
      // Never answers.
    });
    const events: RetryEvent[] = [];
    const retry = { ...fastRetry, maxAttempts: 2, onRetry: (e: RetryEvent) => events.push(e) };
    const client = new RegistryClient({ host: registry.host, retry, timeouts: { connectMs: 50 } });
    await expect(client.getManifest('a/b', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
    });
    expect(registry.seen).toHaveLength(2);
    expect(events[0]?.reason).toMatch(/^network error: .*no response within 50 ms/);
  });

  it('reports REGISTRY_UNAVAILABLE naming the host when nothing listens', async () => {
    const registry = await serve((_req, res) => res.end());
    for (const close of open.splice(0)) close();
    const client = new RegistryClient({
      host: registry.host,
      retry: { ...fastRetry, maxAttempts: 2 },
    });
    const error: unknown = await client.getManifest('a/b', 'v1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    expect((error as Error).message).toContain(`${registry.host}/a/b:v1`);
  });
});

describe('RegistryClient.openBlob', () => {
  it('streams a blob whose bytes match its digest', async () => {
    const blob = Buffer.from('layer bytes');
    const registry = await serve((_req, res) => res.end(blob));
    const client = new RegistryClient({ host: registry.host });
    const stream = await client.openBlob('a/b', { digest: digestOf(blob), size: blob.length });
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(blob);
  });

  it('fails the stream with DIGEST_MISMATCH when the bytes do not match the digest', async () => {
    const registry = await serve((_req, res) => res.end('tampered!!!'));
    const client = new RegistryClient({ host: registry.host });
    const descriptor = { digest: digestOf(Buffer.from('layer bytes')), size: 11 };
    const stream = await client.openBlob('a/b', descriptor);
    const drain = async (): Promise<void> => {
      for await (const _chunk of stream) {
        // drain
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('follows a redirect to another host without sending the registry Authorization', async () => {
    const blob = Buffer.from('stored elsewhere');
    const storage = await serve((_req, res) => res.end(blob));
    const registry = await serve((req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
      } else {
        res.writeHead(307, { location: `http://${storage.host}/bucket/blob?sig=1` }).end();
      }
    });
    const client = new RegistryClient({
      host: registry.host,
      credentials: { username: 'u', password: 'p' },
    });
    const stream = await client.openBlob('a/b', { digest: digestOf(blob), size: blob.length });
    stream.resume();
    await new Promise((resolve) => stream.on('end', resolve));
    expect(registry.seen.at(-1)?.authorization).toMatch(/^Basic /);
    expect(storage.seen).toEqual([{ url: '/bucket/blob?sig=1', authorization: undefined }]);
  });
});
