/**
 * cosign's legacy signature storage: the `sha256-<hex>.sig` and `.att` tags beside the image,
 * each an image whose layers are the signatures (see `legacy-manifest.ts` for the format).
 * Reading returns every layer with its payload and annotations, unverified and bounded;
 * appending adds one layer to the existing image (or starts one) unless an identical signature
 * is already there, as cosign's duplicate detector decides.
 */
import type { RegistryClient } from '../../registry-client/client.js';
import { findManifest } from '../../registry-client/referrers.js';
import { putManifest, sha256Digest, uploadBlob } from '../../registry-client/write.js';
import type { Descriptor, ImageManifest } from '../../image/manifest.js';
import type { LegacySignatureLayer, SignatureKind, SignedImage } from '../types.js';
import { goManifest } from './go-manifest.js';
import {
  legacyAnnotations,
  legacyConfig,
  legacyImageMediaTypes,
  legacyTag,
  parseLegacyManifest,
} from './legacy-manifest.js';
import { defaultSignatureStorageLimits, type SignatureStorageLimits } from './limits.js';
import {
  asSignError,
  invalidSignature,
  limitExceeded,
  readOne,
  type ReadOptions,
} from './storage-errors.js';

/** A new legacy layer: its media type, blob and annotations (including the signature's). */
export interface NewLegacyLayer {
  mediaType: string;
  payload: Buffer;
  annotations: Record<string, string>;
}

/** What {@link appendLegacy} did. */
export interface AppendedLegacy {
  tag: string;
  /** Digest of the signature manifest now under the tag. */
  digest: string;
  /** False when an equal signature was already there and nothing was written. */
  appended: boolean;
}

/** Options of {@link appendLegacy}. */
export interface AppendLegacyOptions {
  /**
   * Whether an existing layer with the same payload, media type and annotations (the signature
   * annotation aside) counts as the same signature. cosign asks whether the existing signature
   * verifies with the signer's key (`pkg/cosign/remote/remote.go`, `NewDupeDetector`); pass that
   * check here. Default: only a byte-identical signature annotation is a duplicate.
   */
  isDuplicate?: (existing: { signature: string; annotations: Record<string, string> }) => boolean;
  limits?: SignatureStorageLimits;
}

function where(image: SignedImage, tag: string): string {
  return `${image.registry}/${image.repository}:${tag}`;
}

/**
 * Reads the layers of the image's `.sig` (signature) or `.att` (attestation) tag; `[]` when
 * the tag does not exist. `source` names the tag and the layer (`… layer 1` is the first).
 * A tag or layer that cannot be read (too large, too many layers, malformed, not what its
 * descriptor says) goes to `options.onRejected` when given and reading goes on; else it is
 * thrown. Registry outages and refusals are always thrown.
 * @throws SignError LIMIT_EXCEEDED, SIGNATURE_INVALID.
 */
export async function readLegacy(
  client: RegistryClient,
  image: SignedImage,
  kind: SignatureKind,
  options: ReadOptions = {},
): Promise<LegacySignatureLayer[]> {
  const limits = options.limits ?? defaultSignatureStorageLimits;
  const tag = legacyTag(image.digest, kind);
  const name = where(image, tag);
  const manifest = await readOne({ format: 'legacy', kind, source: name }, options, async () => {
    const fetched = await findManifest(client, image.repository, tag, {
      maxBytes: limits.maxManifestBytes,
    });
    if (fetched === undefined) return undefined;
    const parsed = parseLegacyManifest(fetched.bytes, name);
    checkLayerCount(parsed, name, limits, 0);
    return parsed;
  });
  if (manifest === undefined) return [];
  const maxLayer =
    kind === 'signature' ? limits.maxSignatureLayerBytes : limits.maxAttestationLayerBytes;
  let total = 0;
  const found: LegacySignatureLayer[] = [];
  for (const [index, layer] of manifest.layers.entries()) {
    const source = `${name} layer ${index + 1}`;
    const read = await readOne({ format: 'legacy', kind, source }, options, async () => {
      if (layer.size > maxLayer) {
        throw limitExceeded(source, `${layer.size} bytes, more than the limit of ${maxLayer}`);
      }
      if (total + layer.size > limits.maxTotalLayerBytes) {
        throw limitExceeded(source, `layers exceed ${limits.maxTotalLayerBytes} bytes together`);
      }
      return client.readBlob(image.repository, layer, maxLayer);
    });
    if (read === undefined) continue;
    total += read.length;
    found.push(layerFound(kind, source, layer, read));
  }
  return found;
}

function layerFound(
  kind: SignatureKind,
  source: string,
  layer: Descriptor,
  payload: Buffer,
): LegacySignatureLayer {
  const annotations = layer.annotations ?? {};
  const optional = (key: string): string | undefined => {
    const value = annotations[key];
    return value === undefined || value === '' ? undefined : value;
  };
  const found: LegacySignatureLayer = {
    format: 'legacy',
    kind,
    source,
    mediaType: layer.mediaType,
    payload,
    signature: annotations[legacyAnnotations.signature] ?? '',
    annotations,
  };
  const certificate = optional(legacyAnnotations.certificate);
  const chain = optional(legacyAnnotations.chain);
  const rekorBundle = optional(legacyAnnotations.bundle);
  const timestamp = optional(legacyAnnotations.rfc3161Timestamp);
  if (certificate !== undefined) found.certificate = certificate;
  if (chain !== undefined) found.chain = chain;
  if (rekorBundle !== undefined) found.rekorBundle = rekorBundle;
  if (timestamp !== undefined) found.timestamp = timestamp;
  return found;
}

function checkLayerCount(
  manifest: ImageManifest,
  name: string,
  limits: SignatureStorageLimits,
  adding: number,
): void {
  const count = manifest.layers.length + adding;
  if (count > limits.maxLegacyLayers) {
    throw limitExceeded(
      name,
      `${count} signature layers, more than the limit of ${limits.maxLegacyLayers}`,
    );
  }
}

/**
 * Adds a signature (or attestation) layer to the image's `.sig` (`.att`) tag, keeping every
 * signature already there; creates the tag when missing. Nothing is written when the layer is a
 * duplicate (see {@link AppendLegacyOptions.isDuplicate}).
 * @example await appendLegacy(client, image, 'signature', { mediaType, payload, annotations });
 */
export async function appendLegacy(
  client: RegistryClient,
  image: SignedImage,
  kind: SignatureKind,
  layer: NewLegacyLayer,
  options: AppendLegacyOptions = {},
): Promise<AppendedLegacy> {
  const limits = options.limits ?? defaultSignatureStorageLimits;
  const tag = legacyTag(image.digest, kind);
  const name = where(image, tag);
  const fetched = await asSignError(name, () =>
    findManifest(client, image.repository, tag, { maxBytes: limits.maxManifestBytes }),
  );
  const existing = fetched !== undefined ? parseLegacyManifest(fetched.bytes, name) : undefined;
  if (existing !== undefined) checkLayerCount(existing, name, limits, 1);
  const layerDigest = sha256Digest(layer.payload);
  if (existing !== undefined && fetched !== undefined) {
    const same = existing.layers.some((old) => isSameSignature(old, layerDigest, layer, options));
    if (same) return { tag, digest: fetched.digest, appended: false };
  }
  await uploadBlob(client, image.repository, layer.payload);
  const descriptor: Descriptor = {
    mediaType: layer.mediaType,
    size: layer.payload.length,
    digest: layerDigest,
    annotations: layer.annotations,
  };
  const layers = [...(existing?.layers ?? []), descriptor];
  const previousConfig =
    existing !== undefined
      ? await readConfig(client, image, existing.config, limits).catch(() => undefined)
      : undefined;
  const config = legacyConfig(previousConfig, layers);
  const configDigest = await uploadBlob(client, image.repository, config);
  const mediaType = existing?.mediaType ?? legacyImageMediaTypes.manifest;
  const manifest = goManifest({
    mediaType,
    config: {
      mediaType: existing?.config.mediaType ?? legacyImageMediaTypes.config,
      size: config.length,
      digest: configDigest,
    },
    layers,
    ...(existing?.annotations !== undefined ? { annotations: existing.annotations } : {}),
  });
  const pushed = await putManifest(client, image.repository, tag, mediaType, manifest);
  return { tag, digest: pushed.digest, appended: true };
}

/** cosign's duplicate test: same blob, media type, and every new annotation but the signature. */
function isSameSignature(
  old: Descriptor,
  digest: string,
  layer: NewLegacyLayer,
  options: AppendLegacyOptions,
): boolean {
  if (old.digest !== digest || old.mediaType !== layer.mediaType) return false;
  const oldAnnotations = old.annotations ?? {};
  for (const [key, value] of Object.entries(layer.annotations)) {
    if (key === legacyAnnotations.signature) continue;
    if (oldAnnotations[key] !== value) return false;
  }
  const signature = oldAnnotations[legacyAnnotations.signature] ?? '';
  if (options.isDuplicate !== undefined) {
    return options.isDuplicate({ signature, annotations: oldAnnotations });
  }
  return signature === (layer.annotations[legacyAnnotations.signature] ?? '');
}

async function readConfig(
  client: RegistryClient,
  image: SignedImage,
  config: Descriptor,
  limits: SignatureStorageLimits,
): Promise<Buffer> {
  if (config.size > limits.maxManifestBytes) {
    throw invalidSignature(image.repository, 'signature config too large');
  }
  return client.readBlob(image.repository, config, limits.maxManifestBytes);
}
