/**
 * End to end: `moat sbom` against a registry that stalls, trickles or never answers must end
 * with exit code 2 and one line naming what it waited for, within the configured timeouts
 * (`MOAT_HTTP_*_TIMEOUT`), instead of hanging.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { buildImage, imageWith, type BuiltImage } from '../fixtures/image-builder.js';
import { moat } from './cli.js';

const servers: Server[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(() => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

type LayerBehaviour = (res: ServerResponse, layer: Buffer) => void;

/** A registry serving `image` as `app:1`, whose layer blobs are answered by `layerBehaviour`. */
async function registry(image: BuiltImage, layerBehaviour: LayerBehaviour): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (url === '/v2/app/manifests/1') {
      res.writeHead(200, { 'content-type': image.manifest.mediaType });
      res.end(image.manifest.bytes);
    } else if (url === `/v2/app/blobs/${image.config.digest}`) {
      res.end(image.config.bytes);
    } else if (url.startsWith('/v2/app/blobs/')) {
      layerBehaviour(res, image.layers[0]?.blob ?? Buffer.alloc(0));
    } else {
      res.writeHead(404).end();
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const fast = {
  MOAT_HTTP_CONNECT_TIMEOUT: '2',
  MOAT_HTTP_IDLE_TIMEOUT: '0.5',
  MOAT_HTTP_TOTAL_TIMEOUT: '3',
};

async function sbom(host: string, env: Record<string, string> = fast) {
  return moat(['sbom', `${host}/app:1`, '--format', 'json', '--no-cache', '-q'], env);
}

describe('moat against a stalling registry', () => {
  it('ends with exit 2 and one line when a layer stalls mid-body', async () => {
    const image = await buildImage(imageWith({ 'etc/greeting': 'x'.repeat(50_000) }));
    const host = await registry(image, (res, layer) => {
      res.writeHead(200, { 'content-length': layer.length });
      res.write(layer.subarray(0, 10));
    });
    const run = await sbom(host);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^moat: .*no data for 500 ms after 10 bytes\n$/);
  });

  it('ends with exit 2 and one line when a layer trickles forever', async () => {
    const image = await buildImage(imageWith({ 'etc/greeting': 'hello\n' }));
    const host = await registry(image, (res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      timers.push(setInterval(() => res.write('\0'), 50));
    });
    const run = await sbom(host, { ...fast, MOAT_HTTP_TOTAL_TIMEOUT: '1' });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(/^moat: .*not finished within 1000 ms/);
  });

  it('ends with exit 2 and one line when the registry never answers', async () => {
    const server = createServer(() => undefined);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = await sbom(host);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^moat: registry .* unreachable: .*no response within 2000 ms\n$/);
  });

  it('refuses a timeout variable that is not a number of seconds, naming it', async () => {
    const run = await sbom('127.0.0.1:9', { MOAT_HTTP_IDLE_TIMEOUT: 'soon' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'moat: MOAT_HTTP_IDLE_TIMEOUT="soon": expected a number of seconds between 0.001 and 2147483\n',
    );
  });
});
