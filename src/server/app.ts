/**
 * One `moat serve` process: opens the stores and the access services (users, credentials,
 * projects, audit) from a validated {@link ServeConfig}, builds the Fastify server (registry
 * routes, `/auth/token`, the management API `/api/v1`, health and metrics), listens (HTTPS when
 * configured), schedules garbage collection and upload expiry, and closes gracefully: background
 * jobs stopped, requests in flight finished up to a bound, the audit log flushed, stores closed.
 */

import Fastify, { type FastifyInstance } from 'fastify';

import { openRegistryAuth } from '../auth/index.js';
import { auditedConfiguration, recordConfigurationChange } from '../auth/audit/config-change.js';
import { openAccessServices, type AccessServices } from '../auth/open.js';
import { MoatError } from '../errors.js';
import { openScanning, type Scanning } from '../jobs/scan-open.js';
import { openStores } from '../store/open.js';
import { registerApi } from './api/index.js';
import { openGateService } from './gate/service.js';
import { apiRoutes } from './api/routes/index.js';
import { registerAuthRoutes } from './auth-routes.js';
import { startAdmission } from './admission-routes.js';
import type { ServeConfig } from './config.js';
import type { RegistryContext } from './context.js';
import { registerHealthRoutes } from './health.js';
import { openProxyService } from './proxy/service.js';
import { proxyProjects } from './proxy/upstream.js';
import { echoRequestIds, loggerOptions, requestIdOf, type LogDestination } from './logging.js';
import { instrument } from './metrics.js';
import { startBackgroundJobs } from './background-jobs.js';
import type { RepeatingJob } from './schedule.js';
import { readTlsFiles } from './tls.js';
import { registerV2 } from './v2/index.js';

/** A running server. */
export interface RunningServer {
  /** The URL it listens on, with the real port (`http://127.0.0.1:40123`). */
  url: string;
  /** Stops accepting, finishes requests in flight (up to a bound), closes the stores. */
  close(): Promise<void>;
  /** The administrator's password when this start created the administrator with a generated one. */
  adminPassword?: string;
  /** The access services the server runs on (for embedding and tests: users, tokens, projects). */
  access: AccessServices;
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Messages for the operator (stderr in the CLI); the JSON request log goes to `logStream`. */
  log?: (message: string) => void;
  /** Where the JSON log lines go; stdout by default. */
  logStream?: LogDestination;
  /** How long `close()` waits for requests in flight and a running job; 10 s by default. */
  closeTimeoutMs?: number;
  /** Moat's version, for the OpenAPI document (`0.0.0` when not given). */
  version?: string;
}

/** Idle keep-alive connections are kept longer than the 60 s load balancers commonly use. */
const keepAliveTimeoutMs = 65_000;

/**
 * Starts `moat serve` as configured.
 * @example
 * const server = await startServer(loadServeConfig({ flags: {}, env: process.env, cwd: process.cwd() }));
 * console.error(`moat: serving on ${server.url}`);
 */
export async function startServer(
  config: ServeConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  const tls = config.tls ? readTlsFiles(config.tls) : undefined;
  const scheme = tls ? 'https' : 'http';

  const stores = await openStores(config.stores);
  let app: FastifyInstance | undefined;
  let access: AccessServices | undefined;
  let scanning: Scanning | undefined;
  try {
    access = await openAccessServices({
      database: stores.database,
      config: config.auth,
      dataDir: config.dataDir,
      log,
    });
    await recordConfigurationChange(stores.database, access.audit, auditedConfiguration(config));
    const auth = await openRegistryAuth({
      meta: stores.meta,
      credentials: access.credentials,
      authorizer: access.authorizer,
      audit: access.audit,
      // Without a public URL the realm follows each request's Host, which is right for every
      // address the server is reached at; the service name must be the same on every process.
      realm: config.publicUrl !== undefined ? `${config.publicUrl}/auth/token` : '',
      service: config.publicUrl !== undefined ? new URL(config.publicUrl).host : 'moat',
      tokenTtlSeconds: config.auth.tokenTtlSeconds,
    });
    app = Fastify({
      logger: loggerOptions(config.log.level, options.logStream),
      genReqId: requestIdOf,
      // Bodies Fastify buffers: manifests (the v2 routes apply their own limit too) and the token
      // form. Blobs are streamed from the raw request and never pass through a body parser.
      bodyLimit: Math.max(config.limits.maxManifestBytes, 64 * 1024),
      return503OnClosing: true,
      forceCloseConnections: 'idle',
      keepAliveTimeout: keepAliveTimeoutMs,
      // A stalled client is dropped after two idle minutes; a large blob may take longer as a
      // whole, so there is no total request timeout.
      connectionTimeout: 120_000,
      requestTimeout: 0,
      // sha512 digests are 135 characters.
      routerOptions: { maxParamLength: 1024 },
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    });
    const metrics = instrument(app, stores.meta);
    echoRequestIds(app);
    const state = { closing: false };
    // An answer finished while closing ends its connection, so that close() need not wait for
    // the client to drop a keep-alive connection.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (state.closing) void reply.header('connection', 'close');
      done(null, payload);
    });
    registerHealthRoutes(app, stores, metrics.registry);
    registerAuthRoutes(app, auth);
    // Scan on push: the job queue, the internal registry, the signing key, the scan service
    // (this process runs jobs too; with Redis, `moat worker` processes share them).
    scanning = await openScanning({
      config,
      stores,
      audit: access.audit,
      secrets: access.secrets,
      log: app.log,
      ...(options.version !== undefined ? { version: options.version } : {}),
    });
    const { scans } = scanning;
    // Registry enforcement: project policies decide pulls (and pushes) of image manifests.
    const served = { host: config.publicUrl !== undefined ? new URL(config.publicUrl).host : '' };
    const logged = app.log;
    const gate = openGateService({
      database: stores.database,
      meta: stores.meta,
      blobs: stores.blobs,
      scans,
      internal: scanning.internal,
      audit: access.audit,
      config: config.gate,
      registryHost: () => served.host,
      authorizer: access.authorizer,
      onError: (error, what) => logged.warn({ err: error }, `gate: ${what} failed`),
    });
    const proxies = proxyProjects(stores.database, access.secrets);
    registerApi(app, {
      routes: apiRoutes(access, {
        scans: { scans, meta: stores.meta, publicKeyPem: scanning.signing.publicKeyPem },
        gate,
        proxies,
      }),
      identity: access.identity,
      credentials: access.credentials,
      version: options.version ?? '0.0.0',
    });
    const context: RegistryContext = {
      meta: stores.meta,
      blobs: stores.blobs,
      access: auth.access,
      audit: access.audit,
      limits: config.limits,
      ...(config.scan.onPush ? { scans } : {}),
      gate,
    };
    context.proxy = openProxyService({ context, projects: proxies, scans, log });
    registerV2(app, context);
    await startAdmission(app, {
      config,
      meta: stores.meta,
      gate: context.gate,
      scans,
      proxy: context.proxy,
    });

    let port: number;
    try {
      await app.listen({ host: config.listen.host, port: config.listen.port });
      port = listeningPort(app);
      served.host ||= `${urlHost(config.listen.host)}:${port}`;
    } catch (error) {
      throw listenError(error, config.listen.host, config.listen.port);
    }
    const jobs = startBackgroundJobs(config, stores, metrics, app.log);

    const running = app;
    const services = access;
    const background = scanning;
    let closing: Promise<void> | undefined;
    return {
      url: `${scheme}://${urlHost(config.listen.host)}:${port}`,
      ...(services.adminPassword !== undefined ? { adminPassword: services.adminPassword } : {}),
      access: services,
      close: () => {
        state.closing = true;
        return (closing ??= closeAll(
          running,
          jobs,
          {
            close: () => {
              gate.close();
              return background.close(closeTimeoutMs);
            },
          },
          services,
          stores,
          closeTimeoutMs,
        ));
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await scanning?.close(0).catch(() => undefined);
    await access?.close().catch(() => undefined);
    await stores.close().catch(() => undefined);
    throw error;
  }
}

async function closeAll(
  app: FastifyInstance,
  jobs: readonly RepeatingJob[],
  scanning: { close(): Promise<void> },
  access: AccessServices,
  stores: { close(): Promise<void> },
  timeoutMs: number,
): Promise<void> {
  const jobsStopped = Promise.all(jobs.map((job) => job.stop(timeoutMs)));
  // Fastify stops accepting, answers 503 to new requests on open connections, closes idle ones
  // and waits for requests in flight; past the bound the remaining connections are cut.
  const closed = app.close();
  // A connection whose answer was under way when closing began turns idle afterwards: end it
  // then, rather than waiting for the client to drop it.
  const sweeper = setInterval(() => app.server.closeIdleConnections(), 250);
  sweeper.unref();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    closed.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  clearInterval(sweeper);
  if (timedOut) {
    app.log.warn({ timeoutMs }, 'requests still in flight at shutdown: closing their connections');
    app.server.closeAllConnections();
    await closed;
  }
  await jobsStopped;
  // Scans in flight finish (or are left to another process) before the stores close.
  await scanning.close().catch((error: unknown) => {
    app.log.error({ err: error }, 'the job queue could not be closed cleanly');
  });
  // What the last requests recorded reaches the audit log before its database closes.
  await access.close().catch((error: unknown) => {
    app.log.error({ err: error }, 'the audit log could not be flushed at shutdown');
  });
  await stores.close();
}

function listeningPort(app: FastifyInstance): number {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return address.port;
}

function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the address is in use',
    EADDRNOTAVAIL: 'the address is not one of this machine',
    EACCES: 'permission denied',
    ENOTFOUND: 'the host name does not resolve',
  };
  const reason = code === undefined ? undefined : reasons[code];
  if (reason === undefined) return error;
  return new MoatError('ENVIRONMENT', `cannot listen on ${urlHost(host)}:${port}: ${reason}`, {
    cause: error,
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
