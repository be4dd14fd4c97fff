/**
 * A client for one OCI distribution registry: manifests by tag or digest (digest-verified, size
 * bounded), blobs as verified streams, and the authenticated request `write.ts` and
 * `referrers.ts` build on. Authentication, retries and redirects live in `auth.ts`, `retry.ts`
 * and `transport.ts`; this file ties them to the `/v2/` API.
 */
import { createHash } from 'node:crypto';
import { Readable, pipeline, type Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import { IntegrityError, InvalidInputError, LimitExceededError, MoatError } from '../errors.js';
import { parseDigest } from '../image/digest.js';
import { mediaTypes } from '../image/media-types.js';
import { verifyBlob } from '../image/verify.js';
import { defaultLimits } from '../util/limits.js';
import {
  defaultHttpTimeouts,
  defaultTransferTimeouts,
  type FetchLike,
  type HttpTimeouts,
} from '../util/timed-fetch.js';
import { pullScope, pushScope, RegistryAuthenticator } from './auth.js';
import type { Credentials } from './credentials.js';
import { registryErrorFrom, type RequestContext } from './registry-errors.js';
import type { RetryOptions } from './retry.js';
import { sendWithRetry } from './send.js';
import { readBodyBounded } from './transport.js';

/** How to reach and talk to one registry. */
export interface RegistryClientOptions {
  /** Registry host with optional port, as in references (`127.0.0.1:5000`, `ghcr.io`). */
  host: string;
  credentials?: Credentials;
  /** Use plain HTTP (implied for localhost, 127.0.0.1 and [::1]). */
  insecure?: boolean;
  /** Largest manifest accepted, in bytes (default `defaultLimits.maxJsonBytes`). */
  maxManifestBytes?: number;
  retry?: RetryOptions;
  /**
   * Connect, idle and total timeouts. Defaults: 30 s to the response headers, 60 s of silence
   * mid-body, and a total of 10 minutes per manifest or token request, 2 hours per blob.
   */
  timeouts?: HttpTimeouts;
  /**
   * Sends every request (token requests too) instead of the global `fetch`: `moat serve` reaches
   * its own registry in-process this way.
   */
  fetch?: FetchLike;
}

/** A manifest or index exactly as the registry served it. */
export interface FetchedManifest {
  mediaType: string;
  /** Digest of `bytes` (verified against the reference when fetched by digest). */
  digest: string;
  bytes: Buffer;
}

/** What a blob must be: the descriptor fields `openBlob` verifies. */
export interface BlobDescriptor {
  digest: string;
  size: number;
}

/** Per-request overrides: a blob's longer total timeout and its byte bound. */
export interface BodyRules {
  timeouts?: HttpTimeouts;
  maxBytes?: number;
  tooLong?: (maxBytes: number) => Error;
}

/** One request through {@link RegistryClient.request}. */
export interface RegistryRequest {
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST';
  /** A path on the registry (`/v2/…`) or an absolute URL it handed out (an upload `Location`). */
  target: string;
  headers?: Record<string, string>;
  body?: Buffer;
  context: RequestContext;
  /** Ask for `repository:NAME:pull,push` instead of pull only. */
  push?: boolean;
  /** Statuses handed back rather than thrown (404 for "not there"). */
  passStatuses?: readonly number[];
  rules?: BodyRules;
}

/** Every manifest media type Moat reads, for the `Accept` header. */
export const manifestAccept = [
  mediaTypes.ociManifest,
  mediaTypes.ociIndex,
  mediaTypes.dockerManifest,
  mediaTypes.dockerManifestList,
].join(', ');

const schema1Types = new Set([
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

/** True for hosts where plain HTTP is the default (the loopback interface). */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

/** A client bound to one registry; create one per host and reuse it for its token cache. */
export class RegistryClient {
  readonly host: string;
  private readonly baseUrl: string;
  private readonly auth: RegistryAuthenticator;

  constructor(private readonly options: RegistryClientOptions) {
    this.host = options.host;
    const scheme = options.insecure === true || isLoopbackHost(options.host) ? 'http' : 'https';
    this.baseUrl = `${scheme}://${options.host}`;
    this.auth = new RegistryAuthenticator({
      host: options.host,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.timeouts !== undefined ? { timeouts: options.timeouts } : {}),
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    });
  }

  /**
   * Fetches a manifest or index by tag or digest.
   * @example const { mediaType, digest, bytes } = await client.getManifest('library/alpine', 'latest');
   */
  async getManifest(
    repository: string,
    reference: string,
    options: { maxBytes?: number } = {},
  ): Promise<FetchedManifest> {
    const context: RequestContext = { host: this.host, repository, reference, kind: 'manifest' };
    const response = await this.request({
      target: `/v2/${repository}/manifests/${reference}`,
      headers: { accept: manifestAccept },
      context,
    });
    const max = options.maxBytes ?? this.options.maxManifestBytes ?? defaultLimits.maxJsonBytes;
    const where = `manifest ${this.host}/${repository}@${reference}`;
    const bytes = await readBodyBounded(response, max, where);
    const mediaType = manifestMediaType(response.headers.get('content-type'), bytes);
    if (schema1Types.has(mediaType)) {
      throw new InvalidInputError(
        'UNSUPPORTED_MEDIA_TYPE',
        `${where} is a Docker schema 1 manifest, which is deprecated and not supported; push the image again with a current client`,
      );
    }
    const byDigest = reference.includes(':');
    const algorithm = byDigest ? parseDigest(reference).algorithm : 'sha256';
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    const expected = byDigest ? reference : response.headers.get('docker-content-digest');
    if (expected !== null && expected.startsWith(`${algorithm}:`) && expected !== digest) {
      throw new IntegrityError(
        'DIGEST_MISMATCH',
        `${where}: content digest ${digest} differs from ${expected}`,
      );
    }
    return { mediaType, digest, bytes };
  }

  /**
   * Streams a blob; the stream fails with `DIGEST_MISMATCH`/`SIZE_MISMATCH` when the bytes are
   * not what the descriptor promised.
   */
  async openBlob(repository: string, descriptor: BlobDescriptor): Promise<Readable> {
    const source = await this.openUnverifiedBlob(repository, descriptor);
    const verifier: Transform = verifyBlob(
      descriptor,
      `blob ${this.host}/${repository}@${descriptor.digest}`,
    );
    // Errors on either side destroy the returned stream with the error.
    return pipeline(source, verifier, () => undefined);
  }

  /**
   * Streams a blob's bytes without checking them; only for callers that verify the stream
   * themselves (the layer reader does, while it decompresses).
   */
  async openUnverifiedBlob(repository: string, descriptor: BlobDescriptor): Promise<Readable> {
    parseDigest(descriptor.digest);
    const context: RequestContext = {
      host: this.host,
      repository,
      reference: descriptor.digest,
      kind: 'blob',
    };
    const where = `blob ${this.host}/${repository}@${descriptor.digest}`;
    // The blob is hashed as it arrives, so it must come exactly as stored, never re-encoded;
    // and it may not run past the size its descriptor declares.
    const response = await this.request({
      target: `/v2/${repository}/blobs/${descriptor.digest}`,
      headers: { 'accept-encoding': 'identity' },
      context,
      rules: {
        timeouts: { ...defaultTransferTimeouts, ...this.options.timeouts },
        maxBytes: descriptor.size,
        tooLong: (size) =>
          new IntegrityError('SIZE_MISMATCH', `${where}: longer than its declared ${size} bytes`),
      },
    });
    const declared = response.headers.get('content-length');
    if (declared !== null && /^\d+$/.test(declared) && Number(declared) !== descriptor.size) {
      await response.body?.cancel();
      throw new IntegrityError(
        'SIZE_MISMATCH',
        `${where}: the registry sends ${declared} bytes, the descriptor declares ${descriptor.size}`,
      );
    }
    if (response.body === null) {
      throw new MoatError('REGISTRY_PROTOCOL', `${where}: empty response`);
    }
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  /** Reads a whole blob into memory, bounded by `maxBytes` (for configs and small documents). */
  async readBlob(
    repository: string,
    descriptor: BlobDescriptor,
    maxBytes: number,
  ): Promise<Buffer> {
    if (descriptor.size > maxBytes) {
      throw new LimitExceededError(
        `blob ${this.host}/${repository}@${descriptor.digest} is ${descriptor.size} bytes, more than the limit of ${maxBytes}`,
      );
    }
    const stream = await this.openBlob(repository, descriptor);
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /**
   * One authenticated request (retries, error mapping) for this folder's helpers (`write.ts`,
   * `referrers.ts`); resolves to a 2xx response or one of `passStatuses`.
   */
  async request(request: RegistryRequest): Promise<Response> {
    const url = new URL(request.target, this.baseUrl);
    const { context } = request;
    const scope =
      request.push === true ? pushScope(context.repository) : pullScope(context.repository);
    // Credentials go only to the registry itself, never to an upload URL on another origin.
    const ours = url.origin === new URL(this.baseUrl).origin;
    for (let round = 0; ; round += 1) {
      const authorization = ours ? this.auth.authorizationFor(scope) : undefined;
      const response = await this.send(url, request, authorization);
      if (response.status === 401 && round === 0 && ours) {
        const challenge = response.headers.get('www-authenticate');
        await response.body?.cancel();
        if (await this.auth.onUnauthorized(challenge, scope, authorization)) continue;
        throw new MoatError(
          'REGISTRY_UNAUTHORIZED',
          `registry ${this.host}/${context.repository}: authentication required or refused${
            this.options.credentials ? ' (credentials rejected)' : ' (no credentials found)'
          }`,
        );
      }
      if (!response.ok && request.passStatuses?.includes(response.status) !== true) {
        throw await registryErrorFrom(response, context);
      }
      return response;
    }
  }

  private async send(
    url: URL,
    request: RegistryRequest,
    authorization: string | undefined,
  ): Promise<Response> {
    const rules = request.rules ?? {};
    return sendWithRetry(url, {
      ...(request.method !== undefined ? { method: request.method } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
      headers: request.headers ?? {},
      ...(authorization !== undefined ? { authorization } : {}),
      timeouts: rules.timeouts ?? { ...defaultHttpTimeouts, ...this.options.timeouts },
      ...(rules.maxBytes !== undefined ? { maxBytes: rules.maxBytes } : {}),
      ...(rules.tooLong !== undefined ? { tooLong: rules.tooLong } : {}),
      ...(this.options.retry !== undefined ? { retry: this.options.retry } : {}),
      ...(this.options.fetch !== undefined ? { fetch: this.options.fetch } : {}),
      context: request.context,
    });
  }
}

/** The manifest's media type: the Content-Type header, or the body's own `mediaType` field. */
function manifestMediaType(contentType: string | null, bytes: Buffer): string {
  const header = contentType?.split(';')[0]?.trim() ?? '';
  if (header !== '' && header !== 'application/json' && header !== 'text/plain') return header;
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'mediaType' in parsed) {
      const value = parsed.mediaType;
      if (typeof value === 'string') return value;
    }
    if (typeof parsed === 'object' && parsed !== null && 'manifests' in parsed) {
      return mediaTypes.ociIndex;
    }
  } catch {
    // Left to the manifest parser, which names the problem.
  }
  return header === '' ? mediaTypes.ociManifest : header;
}
