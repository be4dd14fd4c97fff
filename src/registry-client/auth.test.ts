import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { mediaTypes } from '../image/media-types.js';
import { RegistryClient } from './client.js';

const open: Array<() => void> = [];

afterEach(() => {
  for (const close of open.splice(0)) close();
});

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void,
): Promise<{ host: string; seen: URL[] }> {
  const seen: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    seen.push(url);
    handler(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: mediaTypes.ociManifest,
  config: { mediaType: mediaTypes.ociConfig, digest: `sha256:${'c'.repeat(64)}`, size: 2 },
  layers: [],
});

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A registry that wants `Bearer good-token`, and a token server that issues it. */
async function tokenProtectedRegistry(
  tokenField: 'token' | 'access_token',
): Promise<{ registry: string; tokenRequests: URL[]; tokenAuth: Array<string | undefined> }> {
  const tokenAuth: Array<string | undefined> = [];
  const tokens = await serve((req, res) => {
    tokenAuth.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ [tokenField]: 'good-token', expires_in: 300 }));
  });
  const registry = await serve((req, res) => {
    if (req.headers.authorization !== 'Bearer good-token') {
      const challenge = `Bearer realm="http://${tokens.host}/token",service="fake-registry",scope="repository:a/b:pull"`;
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': mediaTypes.ociManifest });
    res.end(manifest);
  });
  return { registry: registry.host, tokenRequests: tokens.seen, tokenAuth };
}

describe('registry authentication', () => {
  it('asks the token server for the pull scope and service the challenge names', async () => {
    const { registry, tokenRequests } = await tokenProtectedRegistry('token');
    await new RegistryClient({ host: registry }).getManifest('a/b', 'v1');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.searchParams.get('service')).toBe('fake-registry');
    expect(tokenRequests[0]?.searchParams.getAll('scope')).toEqual(['repository:a/b:pull']);
  });

  it('accepts a token given as access_token', async () => {
    const { registry } = await tokenProtectedRegistry('access_token');
    await expect(
      new RegistryClient({ host: registry }).getManifest('a/b', 'v1'),
    ).resolves.toBeDefined();
  });

  it('reuses a cached token for later requests in the same scope', async () => {
    const { registry, tokenRequests } = await tokenProtectedRegistry('token');
    const client = new RegistryClient({ host: registry });
    await client.getManifest('a/b', 'v1');
    await client.getManifest('a/b', 'v2');
    expect(tokenRequests).toHaveLength(1);
  });

  it('sends known credentials to the token server as Basic authentication', async () => {
    const { registry, tokenAuth } = await tokenProtectedRegistry('token');
    const credentials = { username: 'alice', password: 's3cret' };
    await new RegistryClient({ host: registry, credentials }).getManifest('a/b', 'v1');
    expect(tokenAuth).toEqual([basic('alice', 's3cret')]);
  });

  it('answers a Basic challenge with the credentials', async () => {
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== basic('alice', 's3cret')) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="Registry Realm"' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': mediaTypes.ociManifest }).end(manifest);
    });
    const credentials = { username: 'alice', password: 's3cret' };
    const client = new RegistryClient({ host: registry.host, credentials });
    await expect(client.getManifest('a/b', 'v1')).resolves.toBeDefined();
  });

  it('fails with REGISTRY_UNAUTHORIZED when Basic credentials are refused', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="Registry Realm"' }).end();
    });
    const credentials = { username: 'alice', password: 'wrong' };
    const client = new RegistryClient({ host: registry.host, credentials });
    await expect(client.getManifest('a/b', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_UNAUTHORIZED',
    });
    expect(registry.seen).toHaveLength(2);
  });

  it('fails with REGISTRY_UNAUTHORIZED when the token server refuses the credentials', async () => {
    const tokens = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad creds' }] }));
    });
    const registry = await serve((_req, res) => {
      res
        .writeHead(401, { 'www-authenticate': `Bearer realm="http://${tokens.host}/token"` })
        .end();
    });
    const client = new RegistryClient({
      host: registry.host,
      credentials: { username: 'a', password: 'b' },
    });
    await expect(client.getManifest('a/b', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_UNAUTHORIZED',
    });
  });
});
