/**
 * Prometheus metrics of one `moat serve` process, in a registry of its own (two servers in one
 * process, as in tests, never share counters): requests by route, method and status with their
 * durations, registry bytes in and out, open upload sessions, garbage-collection runs and the
 * bytes they freed, and prom-client's default process metrics. Route labels are patterns, never
 * raw URLs, so that repository names and digests cannot blow up the number of series.
 */
import type { Socket } from 'node:net';

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { MetadataStore } from '../store/types.js';

/** The metrics of one server and how jobs report to them. */
export interface ServerMetrics {
  registry: Registry;
  /** Records one garbage-collection run. */
  gcRun(result: { ok: boolean; bytesFreed: number; blobsDeleted: number }): void;
  /** Records expired upload sessions. */
  uploadsExpired(count: number): void;
}

/** How long to wait for the upload-session count before the scrape goes on without it. */
const uploadCountTimeoutMs = 2000;

/** Creates the metrics and the hooks that count requests on `app`. */
export function instrument(app: FastifyInstance, meta: MetadataStore): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'moat_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'moat_http_request_duration_seconds',
    help: 'Time from a request’s arrival to its answer, by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const bytesIn = new Counter({
    name: 'moat_registry_bytes_received_total',
    help: 'Bytes received on /v2 requests (headers and bodies, as read from the connection)',
    registers: [registry],
  });
  const bytesOut = new Counter({
    name: 'moat_registry_bytes_sent_total',
    help: 'Bytes sent on /v2 answers (headers and bodies, as written to the connection)',
    registers: [registry],
  });
  new Gauge({
    name: 'moat_registry_upload_sessions',
    help: 'Upload sessions open in the metadata store (every process sharing it)',
    registers: [registry],
    async collect() {
      const count = await countUploads(meta);
      if (count !== undefined) this.set(count);
    },
  });
  const gcRuns = new Counter({
    name: 'moat_gc_runs_total',
    help: 'Garbage-collection runs of this process, by result',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const gcBytes = new Counter({
    name: 'moat_gc_bytes_freed_total',
    help: 'Bytes of blobs garbage collection removed',
    registers: [registry],
  });
  const gcBlobs = new Counter({
    name: 'moat_gc_blobs_deleted_total',
    help: 'Blobs garbage collection removed',
    registers: [registry],
  });
  const expired = new Counter({
    name: 'moat_upload_sessions_expired_total',
    help: 'Upload sessions removed because they were unused for limits.uploadTtl',
    registers: [registry],
  });

  // Bytes are read from the connection's counters: the difference since the last answer on the
  // same connection is this request's (one request at a time per connection: no pipelining in
  // practice), headers and body included, whether or not a route read the body.
  const seen = new WeakMap<Socket, { read: number; written: number }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeLabel(request);
    requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    durations.observe({ route, method: request.method }, reply.elapsedTime / 1000);
    const socket = request.socket as Socket | undefined;
    if (socket) {
      const before = seen.get(socket) ?? { read: 0, written: 0 };
      const now = { read: socket.bytesRead, written: socket.bytesWritten };
      seen.set(socket, now);
      if (isRegistryUrl(request.url)) {
        bytesIn.inc(Math.max(0, now.read - before.read));
        bytesOut.inc(Math.max(0, now.written - before.written));
      }
    }
    done();
  });

  return {
    registry,
    gcRun(result) {
      gcRuns.inc({ result: result.ok ? 'ok' : 'error' });
      gcBytes.inc(result.bytesFreed);
      gcBlobs.inc(result.blobsDeleted);
    },
    uploadsExpired(count) {
      expired.inc(count);
    },
  };
}

async function countUploads(meta: MetadataStore): Promise<number | undefined> {
  // Every session was last used before a moment far in the future: all of them.
  const farFuture = new Date(Date.now() + 100 * 365 * 86_400_000);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), uploadCountTimeoutMs);
  });
  try {
    const sessions = await Promise.race([meta.listExpiredUploads(farFuture), timeout]);
    return sessions?.length;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function isRegistryUrl(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/');
}

/** The shapes of /v2 URLs, matched on the path (names may hold slashes). */
const registryRoutes: readonly [RegExp, string][] = [
  [/^\/v2\/?$/, '/v2/'],
  [/^\/v2\/_catalog$/, '/v2/_catalog'],
  [/^\/v2\/.+\/blobs\/uploads\/?$/, '/v2/:name/blobs/uploads/'],
  [/^\/v2\/.+\/blobs\/uploads\/[^/]+$/, '/v2/:name/blobs/uploads/:uuid'],
  [/^\/v2\/.+\/blobs\/[^/]+$/, '/v2/:name/blobs/:digest'],
  [/^\/v2\/.+\/manifests\/[^/]+$/, '/v2/:name/manifests/:reference'],
  [/^\/v2\/.+\/tags\/list$/, '/v2/:name/tags/list'],
  [/^\/v2\/.+\/referrers\/[^/]+$/, '/v2/:name/referrers/:digest'],
];

/** The route pattern of a request: the /v2 shape, Fastify's route, or `unmatched`. */
export function routeLabel(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '';
  if (isRegistryUrl(path)) {
    for (const [pattern, label] of registryRoutes) if (pattern.test(path)) return label;
    return '/v2/:other';
  }
  return request.routeOptions.url ?? 'unmatched';
}
