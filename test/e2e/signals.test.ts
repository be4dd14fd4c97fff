/**
 * SIGINT and SIGTERM end `moat` with 130 and 143 and leave nothing behind in the temp directory
 * (B13). The run is made slow on purpose: a registry on the loopback serves a layer whose first
 * 6 MiB hold the start of an executable large enough to be spooled to Moat's private temp
 * directory, then stalls; the test waits until that directory exists, sends the signal, and
 * checks the temp directory (private to the test through TMPDIR) is empty again.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildImage, type BuiltImage } from '../fixtures/image-builder.js';

const bin = fileURLToPath(new URL('../../bin/moat.cjs', import.meta.url));
const sentBytes = 6 * 1024 * 1024;

let image: BuiltImage;
let server: Server;
let port: number;

beforeAll(async () => {
  // An ELF header, then zeros: over the 4 MiB Moat holds in memory, so it is spooled to disk.
  const executable = Buffer.alloc(16 * 1024 * 1024);
  executable.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  image = await buildImage({
    layers: [
      { entries: [{ path: 'usr/bin/big', content: executable, mode: 0o755 }], compression: 'none' },
    ],
  });
  const layer = image.layers[0];
  if (layer === undefined) throw new Error('no layer');
  server = createServer((request, response) => {
    const url = request.url ?? '';
    const send = (bytes: Buffer, type: string) => {
      response.writeHead(200, { 'content-type': type, 'content-length': bytes.length });
      response.end(request.method === 'HEAD' ? undefined : bytes);
    };
    if (url === '/v2/') send(Buffer.from('{}'), 'application/json');
    else if (url.endsWith('/manifests/v1')) send(image.manifest.bytes, image.manifest.mediaType);
    else if (url.endsWith(`/blobs/${image.config.digest}`))
      send(image.config.bytes, image.config.mediaType);
    else if (url.endsWith(`/blobs/${layer.digest}`)) {
      // The first part of the layer, then nothing: the run waits here until it is killed.
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': layer.blob.length,
      });
      response.write(layer.blob.subarray(0, sentBytes));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Resolves once `dir` holds an entry (Moat's private temp directory); fails if Moat ends first. */
async function entryAppears(dir: string, ended: () => string | undefined): Promise<string[]> {
  for (;;) {
    const names = await readdir(dir);
    if (names.length > 0) return names;
    const end = ended();
    if (end !== undefined) throw new Error(`moat ended before making its temp directory: ${end}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s', (signal, exitCode) => {
  it(`removes the temp files of a run it interrupts and exits ${exitCode}`, async () => {
    const temp = await mkdtemp(join(tmpdir(), 'moat-e2e-signal-'));
    const cache = await mkdtemp(join(tmpdir(), 'moat-e2e-signal-cache-'));
    try {
      const child = spawn(
        process.execPath,
        [bin, 'sbom', `docker://127.0.0.1:${port}/test:v1`, '--no-cache', '-q'],
        {
          env: { ...process.env, TMPDIR: temp, MOAT_CACHE_DIR: cache },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      let code: number | null | undefined;
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (exit) => resolve((code = exit))),
      );
      const names = await entryAppears(temp, () =>
        code === undefined ? undefined : `exit ${code}: ${stderr}`,
      );
      expect(names[0]).toMatch(/^moat-/);
      child.kill(signal);
      expect(await exited).toBe(exitCode);
      expect(await readdir(temp)).toEqual([]);
    } finally {
      await rm(temp, { recursive: true, force: true });
      await rm(cache, { recursive: true, force: true });
    }
  });
});
