/**
 * A stored manifest as an {@link Image}, read straight from the registry's stores: the manifest
 * from the metadata store, the config and layers from the blob store, each verified against its
 * descriptor while streaming. Nothing goes through HTTP and nothing is written to disk. Also
 * decides what a stored manifest is: an image, an index of images, or something that has no
 * packages to scan (signatures, attestations, SBOMs, other artefacts).
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { LimitExceededError } from '../errors.js';
import { imageFromParts } from '../image/image-model.js';
import { readBounded } from '../image/json.js';
import {
  descriptorPlatform,
  layerCompression,
  layerDescriptors,
  mediaTypes,
  parseImageConfig,
  parseImageIndex,
  parseImageManifest,
  type Descriptor,
} from '../image/manifest.js';
import { isIndexMediaType, isManifestMediaType } from '../image/media-types.js';
import { layerEntriesFromBlob } from '../image/tar-entries.js';
import type { Image, Platform } from '../image/types.js';
import { verifyBlob } from '../image/verify.js';
import type { BlobStore, ManifestRecord } from '../store/types.js';
import type { Limits } from '../util/limits.js';

/** What a stored manifest is, for scanning. */
export type ManifestKind =
  | { kind: 'image' }
  | { kind: 'index'; children: { digest: string; platform?: Platform }[] }
  | { kind: 'not_applicable'; reason: string };

const imageConfigTypes = new Set<string>([mediaTypes.ociConfig, mediaTypes.dockerConfig]);

function isLayerType(mediaType: string): boolean {
  try {
    layerCompression(mediaType);
    return true;
  } catch {
    return false;
  }
}

/** Most platform images of one index that are scanned (an index naming more is refused). */
export const maxIndexPlatforms = 64;

/**
 * Classifies a stored manifest by what it holds, not by what it says it is (an `artifactType` or
 * a `subject` does not stop a runtime from running an image): an image manifest whose config is
 * an image config and whose layers are all filesystem layers is an image; an index lists its
 * platform images (BuildKit's attestation manifests, `unknown/unknown`, left out); anything else
 * — signatures, attestations, SBOMs, cosign's legacy `.sig`/`.att`, other artefacts — is
 * `not_applicable`. Throws on a document that does not parse or breaks a limit (the scan then
 * fails: never a silent pass).
 */
export function classifyManifest(record: ManifestRecord, limits: Limits): ManifestKind {
  const name = `${record.repository}@${record.digest}`;
  const about = record.subject !== undefined ? `, a referrer of ${record.subject}` : '';
  if (isIndexMediaType(record.mediaType)) {
    const index = parseImageIndex(record.content, name, limits.maxJsonBytes);
    const children = index.manifests.filter(isPlatformImage).map((descriptor) => {
      const platform = descriptorPlatform(descriptor);
      return { digest: descriptor.digest, ...(platform ? { platform } : {}) };
    });
    if (children.length > maxIndexPlatforms) {
      throw new LimitExceededError(
        `${name}: ${children.length} platform images, more than the limit of ${maxIndexPlatforms}`,
      );
    }
    if (children.length === 0) {
      return { kind: 'not_applicable', reason: `an index without platform images${about}` };
    }
    return { kind: 'index', children };
  }
  if (!isManifestMediaType(record.mediaType)) {
    return { kind: 'not_applicable', reason: `a ${record.mediaType} document${about}` };
  }
  const manifest = parseImageManifest(record.content, name, limits.maxJsonBytes);
  if (!imageConfigTypes.has(manifest.config.mediaType)) {
    const type = record.artifactType ?? manifest.config.mediaType;
    return { kind: 'not_applicable', reason: `an artefact of type ${type}${about}` };
  }
  const other = manifest.layers.find((layer) => !isLayerType(layer.mediaType));
  if (other !== undefined) {
    return { kind: 'not_applicable', reason: `an artefact with ${other.mediaType} layers${about}` };
  }
  return { kind: 'image' };
}

function isPlatformImage(descriptor: Descriptor): boolean {
  if (!isManifestMediaType(descriptor.mediaType) && !isIndexMediaType(descriptor.mediaType)) {
    return false;
  }
  const referenceType = descriptor.annotations?.['vnd.docker.reference.type'];
  if (referenceType === 'attestation-manifest') return false;
  const platform = descriptor.platform;
  return !(platform?.os === 'unknown' && platform.architecture === 'unknown');
}

/** Reads a small blob (a config) from the blob store, verified and bounded. */
async function readStoredBlob(
  blobs: BlobStore,
  descriptor: { digest: string; size: number },
  name: string,
  limits: Limits,
): Promise<Buffer> {
  if (descriptor.size > limits.maxJsonBytes) {
    throw new LimitExceededError(
      `${name}: ${descriptor.size} bytes, more than the limit of ${limits.maxJsonBytes}`,
    );
  }
  let bytes: Buffer = Buffer.alloc(0);
  await pipeline(await blobs.open(descriptor.digest), verifyBlob(descriptor, name), async (out) => {
    bytes = await readBounded(out as Readable, limits.maxJsonBytes, name);
  });
  return bytes;
}

/**
 * Opens a stored image manifest as an {@link Image}: the config is read now, layers stream from
 * the blob store when the catalog asks for them.
 * @example const image = await openStoredImage(blobs, record, defaultLimits); await catalogImage(image);
 */
export async function openStoredImage(
  blobs: BlobStore,
  record: ManifestRecord,
  limits: Limits,
  options: { host: string; onWarning?: (message: string) => void },
): Promise<Image> {
  const name = `${options.host}/${record.repository}@${record.digest}`;
  const manifest = parseImageManifest(record.content, name, limits.maxJsonBytes);
  const configBytes = await readStoredBlob(
    blobs,
    manifest.config,
    `config ${manifest.config.digest} of ${name}`,
    limits,
  );
  const config = parseImageConfig(configBytes, `config of ${name}`, limits.maxJsonBytes);
  return imageFromParts(
    {
      name,
      transport: 'registry',
      manifestDigest: record.digest,
      configDigest: manifest.config.digest,
      config,
      repoTags: [],
      layers: layerDescriptors(manifest, config),
      entries: (_index, layer) =>
        layerEntriesFromBlob(() => blobs.open(layer.digest), layer, {
          name: `layer ${layer.digest} of ${name}`,
          limits,
          ...(options.onWarning ? { onWarning: options.onWarning } : {}),
          ...(layer.diffId !== undefined ? { diffId: layer.diffId } : {}),
        }),
      close: () => Promise.resolve(),
    },
    limits,
  );
}
