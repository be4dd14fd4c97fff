/**
 * The one {@link Image} implementation the local transports share: descriptors plus a function
 * that yields a layer's entries, with bounds checks on the layer index.
 */
import { LimitExceededError, MoatError } from '../errors.js';
import type { Limits } from '../util/limits.js';
import type { Image, ImageConfig, LayerDescriptor, LayerEntry, Transport } from './types.js';

/** What a transport knows about an opened image. */
export interface ImageParts {
  name: string;
  transport: Transport;
  manifestDigest?: string;
  configDigest?: string;
  config: ImageConfig;
  repoTags: readonly string[];
  layers: readonly LayerDescriptor[];
  entries: (index: number, layer: LayerDescriptor) => AsyncIterable<LayerEntry>;
  close: () => Promise<void>;
}

/** Builds an {@link Image} from its parts, enforcing `maxLayers`. */
export function imageFromParts(parts: ImageParts, limits: Limits): Image {
  if (parts.layers.length > limits.maxLayers) {
    throw new LimitExceededError(
      `${parts.name}: image has ${parts.layers.length} layers (limit ${limits.maxLayers})`,
    );
  }
  return {
    name: parts.name,
    transport: parts.transport,
    ...(parts.manifestDigest ? { manifestDigest: parts.manifestDigest } : {}),
    ...(parts.configDigest ? { configDigest: parts.configDigest } : {}),
    config: parts.config,
    repoTags: parts.repoTags,
    layers: parts.layers,
    layerEntries(index: number) {
      const layer = parts.layers[index];
      if (!layer) throw new MoatError('INTERNAL', `${parts.name}: no layer ${index}`);
      return parts.entries(index, layer);
    },
    close: parts.close,
  };
}
