/**
 * One image from upstream into the stores: the manifest (by tag or digest, digest-verified by the
 * registry client), for an index each platform manifest (by digest, its size checked against the
 * index's descriptor), every blob they reference (streamed, verified), then the manifests bottom
 * up and the tag last, through the same `pushManifest` a client push uses. Limits bound what one
 * pull may bring in; on any failure what this pull added is removed again (nothing stored).
 */
import { DistributionError } from '../../distribution/errors.js';
import { parseManifest } from '../../distribution/manifest.js';
import { pushManifest } from '../../distribution/manifests.js';
import type { RegistryStores } from '../../distribution/stores.js';
import { PolicyError } from '../../errors.js';
import type { FetchedManifest, RegistryClient } from '../../registry-client/index.js';
import { copyBlob } from './blob-copy.js';
import { upstreamError } from './errors.js';
import type { SingleFlight } from './single-flight.js';

/** What one pull-through may bring in (defaults in `service.ts`, documented in docs/limits.md). */
export interface ProxyLimits {
  /** Largest manifest or index, bytes. */
  maxManifestBytes: number;
  /** Platform manifests of one index. */
  maxIndexManifests: number;
  /** Blobs (configs and layers) of one image, all platforms together. */
  maxBlobs: number;
  /** Bytes of one image's blobs, all platforms together. */
  maxImageBytes: number;
  /** Largest single blob, bytes (the registry's `maxBlobBytes`). */
  maxBlobBytes: number;
}

/** Where to copy from and to. */
export interface ImageCopyTarget {
  stores: RegistryStores;
  client: RegistryClient;
  /** The upstream's URL, for messages. */
  upstream: string;
  /** Local repository (`proxy/library/app`) and its upstream name (`library/app`). */
  repository: string;
  upstreamRepository: string;
  limits: ProxyLimits;
  /** Shared by concurrent pulls: one download per blob digest. */
  blobFlights: SingleFlight;
}

interface Descriptor {
  digest: string;
  size: number;
}

interface Budget {
  blobs: Set<string>;
  bytes: number;
}

/** What was added by this copy, to be removed again if it fails. */
interface Added {
  blobs: string[];
  manifests: string[];
}

/**
 * Copies the image `reference` names upstream; resolves to the stored manifest's digest. With
 * `tag`, the tag is pointed at it in the same transaction as the manifest is stored.
 */
export async function copyImage(
  target: ImageCopyTarget,
  reference: string,
  tag: string | undefined,
): Promise<string> {
  const added: Added = { blobs: [], manifests: [] };
  try {
    const top = await fetchManifest(target, reference);
    const parsed = parseOrRefuse(target, top, reference);
    const budget: Budget = { blobs: new Set(), bytes: 0 };
    const children = parsed.references.filter((r) => r.kind === 'manifest');
    if (children.length > target.limits.maxIndexManifests) {
      throw limit(
        target,
        `${reference} lists ${children.length} manifests, more than the limit of ${target.limits.maxIndexManifests}`,
      );
    }
    const sizes = descriptorSizes(top.bytes);
    for (const child of children) {
      const size = sizes.get(child.digest);
      if ((await target.stores.meta.getManifest(target.repository, child.digest)) !== undefined)
        continue;
      const fetched = await fetchManifest(target, child.digest);
      if (size !== undefined && fetched.bytes.length !== size) {
        throw new PolicyError(
          'UPSTREAM_INVALID',
          `upstream ${target.upstream} sent manifest ${child.digest} of ${fetched.bytes.length} bytes; the index declares ${size}`,
        );
      }
      const child2 = parseOrRefuse(target, fetched, child.digest);
      if (child2.references.some((r) => r.kind === 'manifest')) {
        throw new PolicyError(
          'UPSTREAM_INVALID',
          `upstream ${target.upstream}: ${child.digest} is an index inside an index, which a proxy project does not follow`,
        );
      }
      await copyBlobs(target, fetched, budget, added);
      await store(target, fetched, child.digest, added);
    }
    await copyBlobs(target, top, budget, added);
    await store(target, top, tag ?? top.digest, added, tag !== undefined);
    return top.digest;
  } catch (error) {
    await undo(target, added);
    throw upstreamError(error, target.upstream, `${target.upstreamRepository}@${reference}`);
  }
}

async function fetchManifest(target: ImageCopyTarget, reference: string): Promise<FetchedManifest> {
  try {
    return await target.client.getManifest(target.upstreamRepository, reference, {
      maxBytes: target.limits.maxManifestBytes,
    });
  } catch (error) {
    throw upstreamError(
      error,
      target.upstream,
      `manifest ${target.upstreamRepository}:${reference}`,
    );
  }
}

function parseOrRefuse(target: ImageCopyTarget, manifest: FetchedManifest, reference: string) {
  try {
    return parseManifest(manifest.bytes, manifest.mediaType);
  } catch (error) {
    if (error instanceof DistributionError) {
      throw new PolicyError(
        'UPSTREAM_INVALID',
        `upstream ${target.upstream} sent an invalid manifest for ${target.upstreamRepository}:${reference}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Every blob of one image manifest, within the pull's budget, one download per digest. */
async function copyBlobs(
  target: ImageCopyTarget,
  manifest: FetchedManifest,
  budget: Budget,
  added: Added,
): Promise<void> {
  const { limits } = target;
  const sizes = descriptorSizes(manifest.bytes);
  const parsed = parseManifest(manifest.bytes, manifest.mediaType);
  for (const reference of parsed.references) {
    if (reference.kind !== 'blob' || budget.blobs.has(reference.digest)) continue;
    const size = sizes.get(reference.digest);
    if (size === undefined)
      throw new PolicyError(
        'UPSTREAM_INVALID',
        `upstream ${target.upstream}: blob ${reference.digest} has no size`,
      );
    budget.blobs.add(reference.digest);
    budget.bytes += size;
    if (budget.blobs.size > limits.maxBlobs) {
      throw limit(target, `the image has more than ${limits.maxBlobs} blobs`);
    }
    if (size > limits.maxBlobBytes) {
      throw limit(
        target,
        `blob ${reference.digest} is ${size} bytes, more than the limit of ${limits.maxBlobBytes}`,
      );
    }
    if (budget.bytes > limits.maxImageBytes) {
      throw limit(target, `the image's blobs exceed ${limits.maxImageBytes} bytes`);
    }
    const descriptor: Descriptor = { digest: reference.digest, size };
    const copy = await target.blobFlights.run(`${target.repository}@${descriptor.digest}`, () =>
      copyBlob(target.stores, target.client, {
        repository: target.repository,
        upstreamRepository: target.upstreamRepository,
        ...descriptor,
      }),
    );
    if (copy.kind !== 'present') added.blobs.push(descriptor.digest);
  }
}

async function store(
  target: ImageCopyTarget,
  manifest: FetchedManifest,
  reference: string,
  added: Added,
  isTag = false,
): Promise<void> {
  const existed =
    (await target.stores.meta.getManifest(target.repository, manifest.digest)) !== undefined;
  await pushManifest(
    target.stores,
    target.repository,
    isTag ? { kind: 'tag', tag: reference } : { kind: 'digest', digest: manifest.digest },
    manifest.bytes,
    manifest.mediaType,
  );
  if (!existed) added.manifests.push(manifest.digest);
}

/** Removes what a failed copy added (its blob links; the bytes go with garbage collection). */
async function undo(target: ImageCopyTarget, added: Added): Promise<void> {
  const { meta } = target.stores;
  for (const digest of added.manifests.reverse()) {
    await meta.deleteManifest(target.repository, digest).catch(() => undefined);
  }
  for (const digest of added.blobs) {
    await meta.unlinkBlob(target.repository, digest).catch(() => undefined);
  }
}

/** Sizes of the descriptors of a manifest that `parseManifest` accepted, by digest. */
function descriptorSizes(bytes: Buffer): Map<string, number> {
  const document = JSON.parse(bytes.toString('utf8')) as {
    config?: Descriptor;
    layers?: Descriptor[];
    manifests?: Descriptor[];
  };
  const sizes = new Map<string, number>();
  const all = [
    ...(document.config ? [document.config] : []),
    ...(document.layers ?? []),
    ...(document.manifests ?? []),
  ];
  for (const descriptor of all) sizes.set(descriptor.digest, descriptor.size);
  return sizes;
}

function limit(target: ImageCopyTarget, message: string): PolicyError {
  return new PolicyError(
    'LIMIT_EXCEEDED',
    `upstream ${target.upstream} ${target.upstreamRepository}: ${message} (proxy limit)`,
  );
}
