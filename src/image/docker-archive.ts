/**
 * The `docker save` transport (`docker-archive:PATH[:repo:tag]`): `manifest.json` (Config,
 * RepoTags, Layers) or the pre-1.10 `repositories` file, read through the tar index. Layers may
 * be plain tar or gzip (sniffed); each is verified against the config's diff_ids, and against its
 * file name when the name is a digest (`blobs/sha256/<hex>`, as Docker 25+ writes).
 */
import { z } from 'zod';

import { IntegrityError, InvalidInputError, LimitExceededError, MoatError } from '../errors.js';
import { defaultLimits, type Limits } from '../util/limits.js';
import { peekBytes, sniffCompression } from './decompress.js';
import { readSmallFile } from './file-source.js';
import { imageFromParts } from './image-model.js';
import { parseJsonDocument } from './json.js';
import { parseImageConfig } from './manifest.js';
import { mediaTypes } from './media-types.js';
import { readLayerEntries } from './tar-entries.js';
import { indexTar, type TarIndex } from './tar-index.js';
import type { Image, LayerDescriptor, OpenImageOptions } from './types.js';
import { sha256Digest } from './digest.js';

const manifestSchema = z.array(
  z.object({
    Config: z.string(),
    RepoTags: z.array(z.string()).nullable().optional(),
    Layers: z.array(z.string()),
  }),
);
const repositoriesSchema = z.record(
  z.string(),
  z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
);
const v1LayerSchema = z.object({
  parent: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

interface ArchiveImage {
  config: string;
  repoTags: string[];
  layers: string[];
}

const digestInName = /^(?:blobs\/sha256\/)?([0-9a-f]{64})(?:\.json)?$/;

/** Images listed by the legacy `repositories` file: each tag's top layer, its parents below. */
async function legacyImages(archive: TarIndex, limits: Limits): Promise<ArchiveImage[]> {
  const repos = parseJsonDocument(
    await readSmallFile(archive, 'repositories', limits),
    repositoriesSchema,
    `${archive.name}: repositories`,
    limits.maxJsonBytes,
  );
  const images: ArchiveImage[] = [];
  for (const [repo, tags] of Object.entries(repos)) {
    for (const [tag, top] of Object.entries(tags)) {
      const chain: string[] = [];
      for (let id: string | undefined = top; id !== undefined;) {
        if (chain.length >= limits.maxLayers)
          throw new LimitExceededError(
            `${archive.name}: layer chain of ${repo}:${tag} is longer than the limit of ${limits.maxLayers} layers`,
          );
        chain.unshift(id);
        const json: z.infer<typeof v1LayerSchema> = parseJsonDocument(
          await readSmallFile(archive, `${id}/json`, limits),
          v1LayerSchema,
          `${archive.name}: ${id}/json`,
          limits.maxJsonBytes,
        );
        id = json.parent;
      }
      images.push({
        config: `${top}/json`,
        repoTags: [`${repo}:${tag}`],
        layers: chain.map((id) => `${id}/layer.tar`),
      });
    }
  }
  return images;
}

function sameRef(a: string, b: string): boolean {
  const strip = (r: string) => r.replace(/^docker\.io\/(library\/)?/, '');
  return strip(a) === strip(b);
}

function selectImage(images: ArchiveImage[], ref: string | undefined, name: string): ArchiveImage {
  const tags = images.flatMap((i) => i.repoTags);
  if (ref === undefined) {
    if (images.length === 1) return images[0] as ArchiveImage;
    throw new MoatError(
      'TAG_NOT_FOUND',
      `${name}: holds ${images.length} images; name one with docker-archive:${name}:REPO:TAG (available: ${tags.join(', ') || 'none'})`,
    );
  }
  const byIndex = /^@(\d+)$/.exec(ref);
  const found = byIndex
    ? images[Number(byIndex[1])]
    : images.find((i) => i.repoTags.some((t) => sameRef(t, ref)));
  if (!found)
    throw new MoatError(
      'TAG_NOT_FOUND',
      `${name}: no image tagged ${JSON.stringify(ref)}; available: ${tags.join(', ') || 'none'}`,
    );
  return found;
}

async function sniffMember(archive: TarIndex, path: string): Promise<string> {
  const stream = await archive.open(path);
  try {
    return mediaTypeFor(sniffCompression(await peekBytes(stream, 4)));
  } finally {
    stream.destroy();
  }
}

function mediaTypeFor(compression: ReturnType<typeof sniffCompression>): string {
  if (compression === 'gzip') return mediaTypes.dockerLayerGzip;
  if (compression === 'zstd') return mediaTypes.ociLayerZstd;
  return mediaTypes.dockerLayerTar;
}

/** Opens `docker-archive:PATH[:repo:tag]` (`ref` may also be `@N`, the Nth image). */
export async function openDockerArchive(
  path: string,
  ref?: string,
  options: OpenImageOptions = {},
): Promise<Image> {
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const archive = await indexTar(path, limits);
  try {
    const images =
      (await archive.size('manifest.json')) !== undefined
        ? parseJsonDocument(
            await readSmallFile(archive, 'manifest.json', limits),
            manifestSchema,
            `${path}: manifest.json`,
            limits.maxJsonBytes,
          ).map((m) => ({ config: m.Config, repoTags: m.RepoTags ?? [], layers: m.Layers }))
        : (await archive.size('repositories')) !== undefined
          ? await legacyImages(archive, limits)
          : undefined;
    if (!images)
      throw new InvalidInputError(
        'TARGET_INVALID',
        `${path}: not a docker archive (no manifest.json or repositories)`,
      );
    const chosen = selectImage(images, ref, path);
    const configBytes = await readSmallFile(archive, chosen.config, limits);
    const configDigest = sha256Digest(configBytes);
    const named = digestInName.exec(chosen.config)?.[1];
    if (named && configDigest !== `sha256:${named}`) {
      throw new IntegrityError(
        'DIGEST_MISMATCH',
        `${path}: config ${chosen.config} has digest ${configDigest}, expected sha256:${named}`,
      );
    }
    const config = parseImageConfig(configBytes, `${path}: ${chosen.config}`, limits.maxJsonBytes);
    const diffIds = config.rootfs?.diff_ids;
    if (diffIds && diffIds.length !== chosen.layers.length) {
      throw new InvalidInputError(
        'MANIFEST_INVALID',
        `${path}: ${chosen.layers.length} layers but ${diffIds.length} diff_ids in ${chosen.config}`,
      );
    }
    const layers: LayerDescriptor[] = [];
    for (const [i, layerPath] of chosen.layers.entries()) {
      const size = await archive.size(layerPath);
      if (size === undefined)
        throw new InvalidInputError('TARGET_INVALID', `${path}: layer ${layerPath} is missing`);
      const diffId = diffIds?.[i];
      const named = digestInName.exec(layerPath)?.[1];
      layers.push({
        digest: named ? `sha256:${named}` : (diffId ?? ''),
        size,
        mediaType: await sniffMember(archive, layerPath),
        ...(diffId ? { diffId } : {}),
      });
    }
    return imageFromParts(
      {
        name: path,
        transport: 'docker-archive',
        configDigest,
        config,
        repoTags: chosen.repoTags,
        layers,
        entries: (index, layer) =>
          layerEntries(archive, chosen.layers[index] ?? '', layer, limits, options),
        close: () => archive.close(),
      },
      limits,
    );
  } catch (error) {
    await archive.close();
    throw error;
  }
}

/** Streams one docker-archive layer, verified by file-name digest and by diff_id. */
async function* layerEntries(
  archive: TarIndex,
  layerPath: string,
  layer: LayerDescriptor,
  limits: Limits,
  options: OpenImageOptions,
) {
  const name = `${archive.name}: ${layerPath}`;
  yield* readLayerEntries(await archive.open(layerPath), {
    name,
    limits,
    ...(digestInName.test(layerPath) ? { blob: layer } : {}),
    ...(layer.diffId ? { diffId: layer.diffId } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
}
