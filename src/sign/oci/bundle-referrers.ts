/**
 * Sigstore bundles stored as OCI 1.1 referrers of the image, as cosign 3 writes them (cosign
 * `pkg/oci/remote/write.go`, `WriteReferrer` / `WriteAttestationNewBundleFormat`): an image
 * manifest with `artifactType` `application/vnd.dev.sigstore.bundle.v0.3+json`, the empty
 * config (`application/vnd.oci.empty.v1+json`, `{}`, carrying the artifactType too), one layer
 * holding the bundle JSON, `subject` = the image, and the annotations
 * `dev.sigstore.bundle.content`, `dev.sigstore.bundle.predicateType` and
 * `org.opencontainers.image.created`. Listing uses the referrers API, else the tag schema.
 */
import { mediaTypes } from '../../image/media-types.js';
import type { RegistryClient } from '../../registry-client/client.js';
import {
  findManifest,
  listReferrers,
  type ReferrerDescriptor,
} from '../../registry-client/referrers.js';
import { putManifest, sha256Digest, uploadBlob } from '../../registry-client/write.js';
import type { BundleSignature, SignedImage } from '../types.js';
import { classifyBundle, isBundleMediaType } from './bundle-kind.js';
import { addToFallbackIndex, readFallbackIndex } from './fallback-index.js';
import { goManifest } from './go-manifest.js';
import { parseLegacyManifest } from './legacy-manifest.js';
import { defaultSignatureStorageLimits, type SignatureStorageLimits } from './limits.js';
import {
  asSignError,
  invalidSignature,
  limitExceeded,
  readOne,
  type ReadOptions,
} from './storage-errors.js';
import { bundleMediaType } from '../bundle/build.js';

/** The OCI 1.1 empty descriptor's media type and content. */
export const emptyConfig = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  content: Buffer.from('{}'),
} as const;

/** Referrer manifest annotation keys cosign writes. */
export const bundleAnnotations = {
  content: 'dev.sigstore.bundle.content',
  predicateType: 'dev.sigstore.bundle.predicateType',
  created: 'org.opencontainers.image.created',
} as const;

/**
 * The annotations cosign puts on a bundle referrer: content `dsse-envelope`, the predicate type
 * (`https://sigstore.dev/cosign/sign/v1` for an image signature), the time (RFC 3339, seconds).
 * @example bundleReferrerAnnotations('https://slsa.dev/provenance/v1', new Date())
 */
export function bundleReferrerAnnotations(
  predicateType: string,
  created: Date,
): Record<string, string> {
  return {
    [bundleAnnotations.created]: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    [bundleAnnotations.content]: 'dsse-envelope',
    [bundleAnnotations.predicateType]: predicateType,
  };
}

/**
 * Pushes `bundle` as a referrer of `image`; returns the referrer manifest's digest. When the
 * registry does not index the subject itself (no `OCI-Subject`), the `sha256-<hex>` tag-schema
 * index is updated too.
 */
export async function writeBundleReferrer(
  client: RegistryClient,
  image: SignedImage,
  bundle: Buffer,
  annotations: Record<string, string>,
  options: { limits?: SignatureStorageLimits } = {},
): Promise<string> {
  const limits = options.limits ?? defaultSignatureStorageLimits;
  const configDigest = await uploadBlob(client, image.repository, emptyConfig.content);
  const layerDigest = await uploadBlob(client, image.repository, bundle);
  const manifest = goManifest({
    mediaType: mediaTypes.ociManifest,
    config: {
      mediaType: emptyConfig.mediaType,
      size: emptyConfig.content.length,
      digest: configDigest,
      artifactType: bundleMediaType,
    },
    layers: [{ mediaType: bundleMediaType, size: bundle.length, digest: layerDigest }],
    annotations,
    subject: { mediaType: image.mediaType, size: image.size, digest: image.digest },
    artifactType: bundleMediaType,
  });
  const digest = sha256Digest(manifest);
  const pushed = await putManifest(
    client,
    image.repository,
    digest,
    mediaTypes.ociManifest,
    manifest,
  );
  if (pushed.subject === undefined) {
    await addToFallbackIndex(
      client,
      image.repository,
      image.digest,
      {
        mediaType: mediaTypes.ociManifest,
        digest: pushed.digest,
        size: manifest.length,
        artifactType: bundleMediaType,
        annotations,
      },
      limits,
    );
  }
  return pushed.digest;
}

/**
 * The Sigstore bundles stored as referrers of `image`: the referrers API, or the tag-schema index
 * when the registry has none. Referrers of other artifact types are ignored, and so are entries
 * that are not image manifests, repeat, name the image itself or point at another subject (a
 * stale fallback entry); no referrer's own referrers are followed. `kind` comes from the
 * predicate-type annotation, else from a look into the (unverified) bundle: see `bundle-kind.ts`.
 * A referrer that cannot be read goes to `options.onRejected` when given (reading goes on),
 * else is thrown; problems with the listing itself (pages, count, a bad index) always throw.
 * @throws SignError LIMIT_EXCEEDED (referrers, pages, sizes), SIGNATURE_INVALID (bad manifest).
 */
export async function readBundleReferrers(
  client: RegistryClient,
  image: SignedImage,
  options: ReadOptions = {},
): Promise<BundleSignature[]> {
  const limits = options.limits ?? defaultSignatureStorageLimits;
  const name = `referrers of ${image.registry}/${image.repository}@${image.digest}`;
  const candidates = await asSignError(name, () => listCandidates(client, image, limits));
  if (candidates.length > limits.maxBundleReferrers) {
    throw limitExceeded(
      name,
      `${candidates.length} Sigstore bundles, more than the limit of ${limits.maxBundleReferrers}`,
    );
  }
  const found: BundleSignature[] = [];
  let total = 0;
  for (const candidate of candidates) {
    const source = `${image.registry}/${image.repository}@${candidate.digest}`;
    const kind = classifyBundle(candidate.annotations ?? {}, undefined) ?? 'attestation';
    const bundle = await readOne({ format: 'bundle', kind, source }, options, () =>
      readReferrerBundle(client, image, candidate, limits, total),
    );
    if (bundle === undefined) continue;
    total += bundle.bundle.length;
    found.push({ ...bundle, source });
  }
  return found;
}

async function listCandidates(
  client: RegistryClient,
  image: SignedImage,
  limits: SignatureStorageLimits,
): Promise<ReferrerDescriptor[]> {
  let entries = await listReferrers(client, image.repository, image.digest, {
    maxPageBytes: limits.maxManifestBytes,
    maxPages: limits.maxReferrerPages,
    maxEntries: limits.maxReferrerEntries,
  });
  let own: string | undefined;
  if (entries === undefined) {
    const fallback = await readFallbackIndex(client, image.repository, image.digest, limits);
    entries = fallback.entries;
    own = fallback.own;
  }
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const wanted =
      // No artifactType (a registry that drops it): the manifest is looked at, as cosign does.
      (entry.artifactType === undefined || isBundleMediaType(entry.artifactType)) &&
      entry.mediaType === mediaTypes.ociManifest &&
      entry.digest !== image.digest &&
      entry.digest !== own &&
      !seen.has(entry.digest);
    seen.add(entry.digest);
    return wanted;
  });
}

async function readReferrerBundle(
  client: RegistryClient,
  image: SignedImage,
  candidate: ReferrerDescriptor,
  limits: SignatureStorageLimits,
  readSoFar: number,
): Promise<Omit<BundleSignature, 'source'> | undefined> {
  const source = `${image.registry}/${image.repository}@${candidate.digest}`;
  if (candidate.size > limits.maxManifestBytes) {
    throw limitExceeded(source, `referrer manifest of ${candidate.size} bytes`);
  }
  const fetched = await findManifest(client, image.repository, candidate.digest, {
    maxBytes: limits.maxManifestBytes,
  });
  if (fetched === undefined) return undefined;
  const manifest = parseLegacyManifest(fetched.bytes, source);
  if (manifest.subject?.digest !== image.digest) return undefined;
  const layer = manifest.layers.find((l) => isBundleMediaType(l.mediaType));
  if (layer === undefined) return undefined;
  // cosign reads a bundle referrer only with exactly one layer (pkg/oci/remote/signatures.go, Bundle).
  if (manifest.layers.length !== 1) {
    throw invalidSignature(source, `${manifest.layers.length} layers; a bundle referrer has one`);
  }
  const annotations = manifest.annotations ?? {};
  const hinted = classifyBundle(annotations, undefined);
  const max =
    hinted === 'signature' ? limits.maxSignatureLayerBytes : limits.maxAttestationLayerBytes;
  if (layer.size > max) {
    throw limitExceeded(
      source,
      `bundle layer of ${layer.size} bytes, more than the limit of ${max}`,
    );
  }
  if (readSoFar + layer.size > limits.maxTotalLayerBytes) {
    throw limitExceeded(source, `bundles exceed ${limits.maxTotalLayerBytes} bytes together`);
  }
  const bundle = await client.readBlob(image.repository, layer, max);
  const kind = classifyBundle(annotations, bundle) ?? 'attestation';
  return { format: 'bundle', kind, bundle, annotations };
}
