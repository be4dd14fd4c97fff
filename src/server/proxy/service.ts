/**
 * The {@link ProxyService} of `moat serve`: proxy projects as pull-through caches of an upstream
 * registry (Harbor's proxy cache). A pull of `proxy/library/app:1` resolves `library/app:1`
 * upstream, copies what is missing (`image-copy.ts`), stores the tag and requests a scan; the
 * gate then decides as for any stored image. A digest already stored is served as is; a tag is
 * re-resolved upstream each time (a `HEAD`), the stored copy standing in when upstream is
 * unavailable. Concurrent pulls of one reference share one copy (in this process).
 */
import { projectOf } from '../../auth/projects/index.js';
import { isDigest } from '../../distribution/grammar.js';
import { PolicyError } from '../../errors.js';
import {
  manifestAccept,
  RegistryClient,
  type RegistryClientOptions,
} from '../../registry-client/index.js';
import type { RegistryContext } from '../context.js';
import type { ProxyService, ScanService } from '../gate-types.js';
import { copyBlob } from './blob-copy.js';
import { isUnavailable, upstreamError, UpstreamNotFound } from './errors.js';
import { copyImage, type ImageCopyTarget, type ProxyLimits } from './image-copy.js';
import { SingleFlight } from './single-flight.js';
import type { ProxyProjects, Upstream } from './upstream.js';

/** Defaults of the limits a pull-through applies besides the registry's own. */
export const defaultProxyLimits = {
  maxIndexManifests: 64,
  maxBlobs: 1000,
  maxImageBytes: 32 * 1024 * 1024 * 1024,
} as const;

/** What {@link openProxyService} needs. */
export interface ProxyServiceOptions {
  /**
   * The registry's stores and limits, and its scan service: read when a pull needs it, so the
   * context may gain `scans` after the proxy service was opened (absent: no scanning).
   */
  context: Pick<RegistryContext, 'blobs' | 'meta' | 'limits' | 'scans'>;
  projects: ProxyProjects;
  /**
   * Scans for what is pulled through, when they must run whatever `context.scans` says (scan on
   * push may be off; foreign content is scanned all the same).
   */
  scans?: ScanService;
  /** Overrides of {@link defaultProxyLimits} (the registry's size limits apply as well). */
  limits?: Partial<Pick<ProxyLimits, 'maxIndexManifests' | 'maxBlobs' | 'maxImageBytes'>>;
  /** Registry client retries and timeouts toward upstreams (tests shorten them). */
  client?: Pick<RegistryClientOptions, 'retry' | 'timeouts'>;
  /** Warnings for the operator (a scan request that failed); never given a secret. */
  log?: (message: string) => void;
}

/** A proxy service with its pull-through blob hook. */
export interface ProxyServiceWithBlobs extends ProxyService {
  /**
   * Makes a blob a proxy repository does not hold present, fetched from upstream and verified
   * against `digest` (its size is the upstream's `HEAD`, bounded by `maxBlobBytes`).
   */
  pullBlob(repository: string, digest: string): Promise<void>;
}

/**
 * Opens the proxy service over the stores and the proxy projects.
 * @example
 * const proxy = openProxyService({ context, projects: proxyProjects(database, secrets) });
 * await proxy.pullThrough('proxy/library/alpine', '3.20'); // → { digest: 'sha256:…' }
 */
export function openProxyService(options: ProxyServiceOptions): ProxyServiceWithBlobs {
  const { context: stores, projects } = options;
  const limits: ProxyLimits = {
    ...defaultProxyLimits,
    ...options.limits,
    maxManifestBytes: stores.limits.maxManifestBytes,
    maxBlobBytes: stores.limits.maxBlobBytes,
  };
  const pulls = new SingleFlight();
  const blobFlights = new SingleFlight();
  const clients = new Map<string, { version: string; client: RegistryClient }>();

  function clientFor(upstream: Upstream): RegistryClient {
    const cached = clients.get(upstream.project);
    if (cached?.version === upstream.version) return cached.client;
    const client = new RegistryClient({
      host: upstream.host,
      insecure: upstream.insecure,
      ...(upstream.credentials !== undefined ? { credentials: upstream.credentials } : {}),
      maxManifestBytes: limits.maxManifestBytes,
      ...options.client,
    });
    clients.set(upstream.project, { version: upstream.version, client });
    return client;
  }

  async function targetOf(repository: string): Promise<ImageCopyTarget | undefined> {
    const project = projectOf(repository);
    const upstream = await projects.upstreamOf(project);
    if (upstream === undefined) return undefined;
    const upstreamRepository = repository.slice(project.length + 1);
    if (upstreamRepository === '') {
      throw new UpstreamNotFound(
        'manifest',
        `${repository} names the proxy project itself, not an upstream repository`,
      );
    }
    return {
      stores,
      client: clientFor(upstream),
      upstream: upstream.url,
      repository,
      upstreamRepository,
      limits,
      blobFlights,
    };
  }

  async function requestScan(repository: string, digest: string): Promise<void> {
    const scans = options.scans ?? stores.scans;
    if (scans === undefined) return;
    try {
      await scans.request(repository, digest);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      options.log?.(`scan request for pulled-through ${repository}@${digest} failed: ${reason}`);
    }
  }

  async function pullDigest(target: ImageCopyTarget, digest: string): Promise<{ digest: string }> {
    if ((await stores.meta.getManifest(target.repository, digest)) !== undefined) return { digest };
    const stored = await copyImage(target, digest, undefined);
    await requestScan(target.repository, stored);
    return { digest: stored };
  }

  async function pullTag(target: ImageCopyTarget, tag: string): Promise<{ digest: string }> {
    const local = await stores.meta.resolveTag(target.repository, tag);
    const stored =
      local !== undefined && (await stores.meta.getManifest(target.repository, local)) !== undefined
        ? local
        : undefined;
    try {
      const remote = await headDigest(target, tag);
      if (remote !== undefined && remote === stored) return { digest: stored };
      const digest = await copyImage(target, tag, tag);
      if (remote !== undefined && remote !== digest) {
        // The tag moved between HEAD and GET, or upstream answers inconsistently: the stored
        // manifest is the verified one fetched by GET, which is what is served.
        options.log?.(
          `upstream ${target.upstream} ${target.upstreamRepository}:${tag} changed while pulled`,
        );
      }
      if (digest !== stored) await requestScan(target.repository, digest);
      return { digest };
    } catch (error) {
      // Harbor's rule: when upstream cannot answer, the cached copy is served.
      if (stored !== undefined && isUnavailable(error)) return { digest: stored };
      throw error;
    }
  }

  return {
    async isProxied(repository) {
      return (await projects.urlOf(projectOf(repository))) !== undefined;
    },

    async pullThrough(repository, reference) {
      const target = await targetOf(repository);
      if (target === undefined) {
        throw new PolicyError(
          'UPSTREAM_UNAVAILABLE',
          `${projectOf(repository)} is not a proxy project`,
        );
      }
      return pulls.run(`${repository}\n${reference}`, () =>
        isDigest(reference) ? pullDigest(target, reference) : pullTag(target, reference),
      );
    },

    async pullBlob(repository, digest) {
      const target = await targetOf(repository);
      if (target === undefined || (await stores.meta.getBlob(repository, digest)) !== undefined)
        return;
      await blobFlights.run(`${repository}@${digest}`, async () => {
        try {
          const size = await headBlobSize(target, digest);
          await copyBlob(stores, target.client, {
            repository,
            upstreamRepository: target.upstreamRepository,
            digest,
            size,
          });
        } catch (error) {
          throw upstreamError(
            error,
            target.upstream,
            `blob ${target.upstreamRepository}@${digest}`,
          );
        }
      });
    },
  };
}

/** The headers of a `HEAD` of a manifest (any type Moat reads) or a blob upstream. */
async function headUpstream(
  target: ImageCopyTarget,
  kind: 'manifest' | 'blob',
  reference: string,
): Promise<Headers> {
  const response = await target.client.request({
    method: 'HEAD',
    target: `/v2/${target.upstreamRepository}/${kind}s/${reference}`,
    ...(kind === 'manifest' ? { headers: { accept: manifestAccept } } : {}),
    context: { host: target.client.host, repository: target.upstreamRepository, reference, kind },
  });
  await response.body?.cancel();
  return response.headers;
}

/** The tag's digest upstream (`HEAD`), or undefined when upstream does not say. */
async function headDigest(target: ImageCopyTarget, tag: string): Promise<string | undefined> {
  try {
    const headers = await headUpstream(target, 'manifest', tag);
    const digest = headers.get('docker-content-digest');
    return digest !== null && isDigest(digest) ? digest : undefined;
  } catch (error) {
    throw upstreamError(error, target.upstream, `manifest ${target.upstreamRepository}:${tag}`);
  }
}

/** A blob's size upstream (`HEAD`), within the registry's blob size limit. */
async function headBlobSize(target: ImageCopyTarget, digest: string): Promise<number> {
  const length = (await headUpstream(target, 'blob', digest)).get('content-length');
  if (length === null || !/^\d{1,15}$/.test(length)) {
    throw new PolicyError(
      'UPSTREAM_INVALID',
      `upstream ${target.upstream} gave no size for blob ${target.upstreamRepository}@${digest}`,
    );
  }
  const size = Number(length);
  if (size > target.limits.maxBlobBytes) {
    throw new PolicyError(
      'LIMIT_EXCEEDED',
      `upstream ${target.upstream} blob ${digest} is ${size} bytes, more than the limit of ${target.limits.maxBlobBytes} (proxy limit)`,
    );
  }
  return size;
}
