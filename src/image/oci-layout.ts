/**
 * The OCI image layout transport (`oci:DIR[:tag]`): `oci-layout`, `index.json`, blobs under
 * `blobs/<alg>/<hex>` verified while streaming; nested indexes up to `maxIndexDepth`; a tag picks
 * an index entry by its `org.opencontainers.image.ref.name` (or containerd's full image name).
 * The same reader serves `oci-archive:` over a tar index.
 */
import { z } from 'zod';

import { InvalidInputError, LimitExceededError, MoatError } from '../errors.js';
import { defaultLimits, type Limits } from '../util/limits.js';
import { blobPath, readVerifiedBlob } from './blob-json.js';
import { directorySource, readSmallFile, type FileSource } from './file-source.js';
import { imageFromParts } from './image-model.js';
import { parseJsonDocument } from './json.js';
import {
  layerDescriptors,
  parseImageConfig,
  parseImageIndex,
  parseImageManifest,
  type Descriptor,
  type ImageIndex,
} from './manifest.js';
import { isIndexMediaType } from './media-types.js';
import { defaultPlatform, selectManifestFromIndex } from './platform.js';
import { layerEntriesFromBlob } from './tar-entries.js';
import type { Image, OpenImageOptions, Platform, Transport } from './types.js';

const refNameKey = 'org.opencontainers.image.ref.name';
const containerdNameKey = 'io.containerd.image.name';

const layoutFileSchema = z.object({ imageLayoutVersion: z.string() });

function tagsOf(descriptor: Descriptor): string[] {
  const a = descriptor.annotations ?? {};
  return [a[refNameKey], a[containerdNameKey]].filter((t): t is string => typeof t === 'string');
}

/** The index entry to follow at the top level: by tag, the only one, or by platform. */
function chooseTop(index: ImageIndex, tag: string | undefined, options: ChooseOptions): Descriptor {
  const { name } = options;
  if (tag !== undefined) {
    const found = index.manifests.filter((d) => tagsOf(d).includes(tag));
    if (found.length === 0) {
      const available = [...new Set(index.manifests.flatMap(tagsOf))];
      throw new MoatError(
        'TAG_NOT_FOUND',
        `${name}: no image tagged ${JSON.stringify(tag)}; available: ${available.join(', ') || 'none'}`,
      );
    }
    return found.length === 1
      ? (found[0] as Descriptor)
      : selectManifestFromIndex({ ...index, manifests: found }, options.platform, name);
  }
  return chooseNested(index, options);
}

interface ChooseOptions {
  name: string;
  platform: Platform;
}

function chooseNested(index: ImageIndex, options: ChooseOptions): Descriptor {
  if (index.manifests.length === 1) return index.manifests[0] as Descriptor;
  if (index.manifests.some((d) => d.platform !== undefined)) {
    return selectManifestFromIndex(index, options.platform, options.name);
  }
  const tags = index.manifests.flatMap(tagsOf);
  throw new MoatError(
    'TAG_NOT_FOUND',
    `${options.name}: holds ${index.manifests.length} images; name one with :TAG (available: ${tags.join(', ') || 'none'})`,
  );
}

/** Opens an OCI layout held by `source` (a directory or a tar index). */
export async function openOciLayoutSource(
  source: FileSource,
  tag: string | undefined,
  transport: Transport,
  options: OpenImageOptions = {},
): Promise<Image> {
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const name = source.name;
  try {
    if ((await source.size('oci-layout')) === undefined) {
      throw new InvalidInputError(
        'TARGET_INVALID',
        `${name}: not an OCI layout (no oci-layout file)`,
      );
    }
    parseJsonDocument(
      await readSmallFile(source, 'oci-layout', limits),
      layoutFileSchema,
      `${name}: oci-layout`,
      limits.maxJsonBytes,
    );
    let index = parseImageIndex(
      await readSmallFile(source, 'index.json', limits),
      `${name}: index.json`,
      limits.maxJsonBytes,
    );
    const choose = { name, platform: options.platform ?? defaultPlatform() };
    let descriptor = chooseTop(index, tag, choose);
    for (let depth = 1; isIndexMediaType(descriptor.mediaType); depth += 1) {
      if (depth > limits.maxIndexDepth) {
        throw new LimitExceededError(`${name}: indexes nested deeper than ${limits.maxIndexDepth}`);
      }
      const bytes = await readVerifiedBlob(source, descriptor, limits);
      index = parseImageIndex(
        bytes,
        `${name}: ${blobPath(descriptor.digest)}`,
        limits.maxJsonBytes,
      );
      descriptor = chooseNested(index, choose);
    }
    const manifestBytes = await readVerifiedBlob(source, descriptor, limits);
    const manifest = parseImageManifest(
      manifestBytes,
      `${name}: ${blobPath(descriptor.digest)}`,
      limits.maxJsonBytes,
    );
    const configBytes = await readVerifiedBlob(source, manifest.config, limits);
    const config = parseImageConfig(
      configBytes,
      `${name}: ${blobPath(manifest.config.digest)}`,
      limits.maxJsonBytes,
    );
    return imageFromParts(
      {
        name,
        transport,
        manifestDigest: descriptor.digest,
        configDigest: manifest.config.digest,
        config,
        repoTags: tag !== undefined ? [tag] : tagsOf(descriptor),
        layers: layerDescriptors(manifest, config),
        entries: (_index, layer) =>
          layerEntriesFromBlob(() => source.open(blobPath(layer.digest)), layer, {
            name: `${name}: layer ${layer.digest}`,
            limits,
            ...(options.onWarning ? { onWarning: options.onWarning } : {}),
          }),
        close: () => source.close(),
      },
      limits,
    );
  } catch (error) {
    await source.close();
    throw error;
  }
}

/** Opens `oci:DIR[:tag]`. */
export function openOciLayout(
  dir: string,
  tag?: string,
  options: OpenImageOptions = {},
): Promise<Image> {
  return openOciLayoutSource(directorySource(dir), tag, 'oci', options);
}
