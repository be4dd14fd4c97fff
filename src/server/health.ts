/**
 * Liveness, readiness and metrics endpoints: `/healthz` answers 200 while the process runs,
 * `/readyz` 200 only when both stores answer a cheap query within a bound (so a load balancer
 * takes a process whose database or bucket is unreachable out of rotation), and `/metrics` the
 * Prometheus text of this server's registry.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

import type { BlobStore, MetadataStore } from '../store/types.js';

/** How long each store has to answer a readiness probe. */
const probeTimeoutMs = 2000;

/** A digest no blob has (the sha256 of nothing is stored by some clients: this one is not). */
const probeDigest = `sha256:${'0'.repeat(64)}`;

/** Registers `/healthz`, `/readyz` and `/metrics`. */
export function registerHealthRoutes(
  app: FastifyInstance,
  stores: { meta: MetadataStore; blobs: BlobStore },
  registry: Registry,
): void {
  app.get('/healthz', { logLevel: 'warn' }, async (_request, reply) => {
    return reply.type('text/plain; charset=utf-8').send('ok\n');
  });

  app.get('/readyz', { logLevel: 'warn' }, async (request, reply) => {
    const [meta, blobs] = await Promise.all([
      probe(() => stores.meta.getSetting('moat.readiness-probe')),
      probe(() => stores.blobs.stat(probeDigest)),
    ]);
    const problems = [
      ...(meta === true ? [] : [`metadata store: ${meta}`]),
      ...(blobs === true ? [] : [`blob store: ${blobs}`]),
    ];
    if (problems.length > 0) {
      request.log.warn({ problems }, 'not ready');
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`not ready: ${problems.join('; ')}\n`);
    }
    return reply.type('text/plain; charset=utf-8').send('ready\n');
  });

  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}

/** True when `query` settles in time, else a short reason (never the error's details). */
async function probe(query: () => Promise<unknown>): Promise<true | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${probeTimeoutMs} ms`), probeTimeoutMs);
  });
  try {
    return await Promise.race([query().then(() => true as const), timeout]);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `failed (${code})` : 'failed';
  } finally {
    clearTimeout(timer);
  }
}
