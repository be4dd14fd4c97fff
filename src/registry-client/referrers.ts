/**
 * Reads that may find nothing: a manifest by tag that may not exist, and the OCI 1.1 referrers
 * of a digest (`GET /v2/<name>/referrers/<digest>`, paginated with `Link: <…>; rel="next"`).
 * A 404 from the referrers endpoint means the registry has no referrers API; the caller then
 * reads the tag-schema fallback (`sha256-<hex>`) itself. Pages, entries and bytes are bounded.
 */
import { z } from 'zod';

import { isMoatError, LimitExceededError, MoatError } from '../errors.js';
import { mediaTypes } from '../image/media-types.js';
import type { FetchedManifest, RegistryClient } from './client.js';
import type { RequestContext } from './registry-errors.js';
import { readBodyBounded } from './transport.js';
import type { ReferrerDescriptor } from '../image/types.js';

export type { ReferrerDescriptor };

/** Bounds on one referrers listing. */
export interface ReferrersLimits {
  /** Largest page (an OCI index), in bytes. */
  maxPageBytes: number;
  /** Most pages followed through `Link` headers. */
  maxPages: number;
  /** Most descriptors over all pages. */
  maxEntries: number;
}

const descriptorSchema = z
  .object({
    mediaType: z.string(),
    digest: z.string(),
    size: z.number().int().nonnegative(),
    artifactType: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();

/** An OCI index as far as referrers need it: its `manifests`. */
export const referrersIndexSchema = z
  .object({ manifests: z.array(z.unknown()).default([]) })
  .loose();

/**
 * Fetches a manifest by tag or digest, or `undefined` when the registry says it does not exist
 * (404, `MANIFEST_UNKNOWN`, `NAME_UNKNOWN`).
 * @example const sigs = await findManifest(client, 'app', 'sha256-….sig');
 */
export async function findManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  options: { maxBytes?: number } = {},
): Promise<FetchedManifest | undefined> {
  try {
    return await client.getManifest(repository, reference, options);
  } catch (error) {
    if (
      isMoatError(error) &&
      (error.code === 'REGISTRY_MANIFEST_UNKNOWN' || error.code === 'REGISTRY_NAME_UNKNOWN')
    ) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The descriptors the referrers API lists for `digest`, all pages; `undefined` when the registry
 * has no referrers API (404). Entries that are not descriptors are dropped.
 * @throws LimitExceededError past `maxPages`, `maxEntries` or `maxPageBytes`.
 */
export async function listReferrers(
  client: RegistryClient,
  repository: string,
  digest: string,
  limits: ReferrersLimits,
  options: { artifactType?: string } = {},
): Promise<ReferrerDescriptor[] | undefined> {
  const context: RequestContext = {
    host: client.host,
    repository,
    reference: digest,
    kind: 'referrers',
  };
  const query =
    options.artifactType !== undefined
      ? `?artifactType=${encodeURIComponent(options.artifactType)}`
      : '';
  let target: string | undefined = `/v2/${repository}/referrers/${digest}${query}`;
  const found: ReferrerDescriptor[] = [];
  const where = `referrers of ${client.host}/${repository}@${digest}`;
  for (let page = 0; target !== undefined; page += 1) {
    if (page >= limits.maxPages) {
      throw new LimitExceededError(`${where}: more than ${limits.maxPages} pages`);
    }
    const response = await client.request({
      target,
      headers: { accept: mediaTypes.ociIndex },
      context,
      passStatuses: [404],
    });
    if (response.status === 404) {
      await response.body?.cancel();
      if (page === 0) return undefined;
      throw new MoatError('REGISTRY_PROTOCOL', `${where}: page ${page + 1} is gone (404)`);
    }
    const bytes = await readBodyBounded(response, limits.maxPageBytes, where);
    for (const entry of parseIndexEntries(bytes, where)) {
      if (found.length >= limits.maxEntries) {
        throw new LimitExceededError(`${where}: more than ${limits.maxEntries} referrers`);
      }
      found.push(entry);
    }
    target = nextLink(response.headers.get('link'));
    // A page link may be absolute, but it must stay on the registry.
    if (target !== undefined && new URL(target, `http://${client.host}/`).host !== client.host) {
      throw new MoatError('REGISTRY_PROTOCOL', `${where}: next page on another host`);
    }
  }
  return found;
}

/** The descriptors of an OCI index document; throws REGISTRY_PROTOCOL when it is not one. */
export function parseIndexEntries(bytes: Buffer, where: string): ReferrerDescriptor[] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new MoatError('REGISTRY_PROTOCOL', `${where}: not JSON`);
  }
  const parsed = referrersIndexSchema.safeParse(json);
  if (!parsed.success) {
    throw new MoatError('REGISTRY_PROTOCOL', `${where}: not an OCI index`);
  }
  const entries: ReferrerDescriptor[] = [];
  for (const item of parsed.data.manifests) {
    const descriptor = descriptorSchema.safeParse(item);
    if (descriptor.success) entries.push(descriptor.data);
  }
  return entries;
}

/** The target of `Link: <…>; rel="next"`, if any. */
export function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match !== null && /rel="?next"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
