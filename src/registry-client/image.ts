/**
 * `openRegistryImage`: an {@link Image} read straight from a registry. Resolves the reference,
 * selects the wanted platform from an index or manifest list, fetches and verifies the config,
 * and streams layers on demand (verified while they are read). Nothing touches the disk.
 */
import { InvalidInputError, LimitExceededError } from '../errors.js';
import {
  layerDescriptors,
  parseImageConfig,
  parseImageIndex,
  parseImageManifest,
} from '../image/manifest.js';
import { isIndexMediaType, isManifestMediaType } from '../image/media-types.js';
import { defaultPlatform, formatPlatform, selectManifestFromIndex } from '../image/platform.js';
import { layerEntriesFromBlob } from '../image/tar-entries.js';
import type { Image, LayerEntry, OpenImageOptions } from '../image/types.js';
import { defaultLimits, type Limits } from '../util/limits.js';
import { httpTimeoutsFromEnv, type HttpTimeouts } from '../util/timed-fetch.js';
import { RegistryClient, type FetchedManifest } from './client.js';
import { resolveCredentials } from './credentials.js';
import {
  formatReference,
  manifestReference,
  parseReference,
  registryApiHost,
  type ImageReference,
} from './reference.js';
import type { RetryOptions } from './retry.js';

/** {@link OpenImageOptions} plus what only a registry needs (mostly for tests and tooling). */
export interface RegistryImageOptions extends OpenImageOptions {
  /** Environment for credential lookup (`MOAT_REGISTRY_*`, `DOCKER_CONFIG`); default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Home directory holding `.docker/config.json`; default the user's. */
  homeDir?: string;
  retry?: RetryOptions;
  /**
   * Connect, idle and total timeouts (see {@link RegistryClientOptions.timeouts}); over the
   * `MOAT_HTTP_*_TIMEOUT` variables of `env`.
   */
  timeouts?: HttpTimeouts;
}

/** The `repo:tag` Docker would show: Docker Hub names lose `docker.io/` and `library/`. */
function familiarTag(reference: ImageReference): string[] {
  if (reference.tag === undefined) return [];
  let name = `${reference.registry}/${reference.repository}`;
  if (reference.registry === 'docker.io') {
    name = reference.repository.replace(/^library\//, '');
  }
  return [`${name}:${reference.tag}`];
}

/** Follows indexes down to one image manifest for the wanted platform. */
async function resolveImageManifest(
  client: RegistryClient,
  reference: ImageReference,
  options: RegistryImageOptions,
  limits: Limits,
): Promise<FetchedManifest> {
  const name = formatReference(reference);
  const platform = options.platform ?? defaultPlatform();
  let fetched = await client.getManifest(reference.repository, manifestReference(reference));
  for (let depth = 0; isIndexMediaType(fetched.mediaType); depth += 1) {
    if (depth >= limits.maxIndexDepth) {
      throw new LimitExceededError(`${name}: indexes nested deeper than ${limits.maxIndexDepth}`);
    }
    const index = parseImageIndex(fetched.bytes, `index ${name}`, limits.maxJsonBytes);
    const chosen = selectManifestFromIndex(index, platform, name);
    if (chosen.size > limits.maxJsonBytes) {
      throw new LimitExceededError(
        `${name}: manifest for ${formatPlatform(platform)} is ${chosen.size} bytes, more than ${limits.maxJsonBytes}`,
      );
    }
    fetched = await client.getManifest(reference.repository, chosen.digest);
    if (fetched.bytes.length !== chosen.size) {
      throw new InvalidInputError(
        'MANIFEST_INVALID',
        `${name}: manifest ${chosen.digest} is ${fetched.bytes.length} bytes, the index says ${chosen.size}`,
      );
    }
  }
  if (!isManifestMediaType(fetched.mediaType)) {
    throw new InvalidInputError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${name}: ${fetched.mediaType} is not an image manifest or index`,
    );
  }
  return fetched;
}

/**
 * Opens an image in a registry by reference (`host/repo:tag`, `repo@sha256:…`; `docker://` is
 * accepted), selecting `options.platform` (default linux/amd64) from multi-platform images.
 * @example const image = await openRegistryImage('127.0.0.1:5000/app:1.0', { platform: { os: 'linux', architecture: 'arm64' } });
 */
export async function openRegistryImage(
  reference: string,
  options: RegistryImageOptions = {},
): Promise<Image> {
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const parsed = parseReference(reference.replace(/^docker:\/\//, ''));
  const credentials = await resolveCredentials(parsed.registry, {
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.homeDir !== undefined ? { homeDir: options.homeDir } : {}),
  });
  const client = new RegistryClient({
    host: registryApiHost(parsed.registry),
    maxManifestBytes: limits.maxJsonBytes,
    ...(credentials ? { credentials } : {}),
    ...(options.insecure !== undefined ? { insecure: options.insecure } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    timeouts: { ...httpTimeoutsFromEnv(options.env ?? process.env), ...options.timeouts },
  });
  const name = formatReference(parsed);
  const fetched = await resolveImageManifest(client, parsed, options, limits);
  const manifest = parseImageManifest(fetched.bytes, `manifest ${name}`, limits.maxJsonBytes);
  if (manifest.layers.length > limits.maxLayers) {
    throw new LimitExceededError(
      `${name}: ${manifest.layers.length} layers, more than the limit of ${limits.maxLayers}`,
    );
  }
  const configBytes = await client.readBlob(
    parsed.repository,
    manifest.config,
    limits.maxJsonBytes,
  );
  const config = parseImageConfig(configBytes, `config ${name}`, limits.maxJsonBytes);
  const wanted = options.platform;
  if (wanted && config.os !== undefined && config.architecture !== undefined) {
    if (config.os !== wanted.os || config.architecture !== wanted.architecture) {
      options.onWarning?.(
        `${name} is a single-platform image for ${config.os}/${config.architecture}, not ${formatPlatform(wanted)}`,
      );
    }
  }
  const layers = layerDescriptors(manifest, config);
  return {
    name: reference,
    transport: 'registry',
    manifestDigest: fetched.digest,
    configDigest: manifest.config.digest,
    config,
    repoTags: familiarTag(parsed),
    layers,
    layerEntries(index: number): AsyncIterable<LayerEntry> {
      const layer = layers[index];
      if (layer === undefined) {
        throw new InvalidInputError(
          'TARGET_INVALID',
          `${name} has ${layers.length} layers; there is no layer ${index}`,
        );
      }
      return layerEntriesFromBlob(
        () => client.openUnverifiedBlob(parsed.repository, layer),
        layer,
        {
          name: `layer ${layer.digest} of ${name}`,
          limits,
          ...(options.onWarning ? { onWarning: options.onWarning } : {}),
          ...(layer.diffId !== undefined ? { diffId: layer.diffId } : {}),
        },
      );
    },
    close: () => Promise.resolve(),
  };
}
