/**
 * Schemas and parsers for OCI/Docker image manifests, indexes (manifest lists) and image configs.
 * Untrusted JSON is validated here, at the boundary; the rest of `image/` trusts these types.
 */
import { z } from 'zod';

import type { ImageConfig, LayerDescriptor, Platform } from './types.js';
import { isDigest } from './digest.js';
import { parseJsonDocument } from './json.js';

export { mediaTypes, layerCompression } from './media-types.js';

const digestSchema = z.string().refine(isDigest, 'expected sha256:<64 hex> or sha512:<128 hex>');
const annotationsSchema = z.record(z.string(), z.string()).optional();

const platformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});

/** An OCI content descriptor. */
export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: annotationsSchema,
  platform: platformSchema.optional(),
  artifactType: z.string().optional(),
});

/** An OCI content descriptor, validated. */
export type Descriptor = z.infer<typeof descriptorSchema>;

/** An OCI image manifest or Docker v2 schema 2 manifest. */
export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema,
});

/** An image manifest, validated. */
export type ImageManifest = z.infer<typeof imageManifestSchema>;

/** An OCI image index or Docker manifest list. */
export const imageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: annotationsSchema,
});

/** An image index, validated. */
export type ImageIndex = z.infer<typeof imageIndexSchema>;

const stringList = z.array(z.string()).nullable().optional();

/** The parts of an image config Moat reads (other fields pass through unchecked). */
export const imageConfigSchema: z.ZodType<ImageConfig> = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  created: z.string().optional(),
  config: z
    .object({
      User: z.string().optional(),
      Env: z
        .array(z.string())
        .nullable()
        .optional()
        .transform((v) => v ?? undefined),
      Entrypoint: stringList,
      Cmd: stringList,
      WorkingDir: z.string().optional(),
      Labels: z.record(z.string(), z.string()).nullable().optional(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullable().optional(),
    })
    .nullable()
    .optional()
    .transform((v) => v ?? undefined),
  rootfs: z.object({ type: z.string(), diff_ids: z.array(digestSchema) }).optional(),
  history: z
    .array(
      z.object({
        created: z.string().optional(),
        created_by: z.string().optional(),
        empty_layer: z.boolean().optional(),
        comment: z.string().optional(),
      }),
    )
    .optional(),
});

/** Parses and validates an image manifest; `name` names the document in errors. */
export function parseImageManifest(
  bytes: Uint8Array | string,
  name: string,
  maxBytes: number,
): ImageManifest {
  return parseJsonDocument(bytes, imageManifestSchema, name, maxBytes);
}

/** Parses and validates an image index or manifest list. */
export function parseImageIndex(
  bytes: Uint8Array | string,
  name: string,
  maxBytes: number,
): ImageIndex {
  return parseJsonDocument(bytes, imageIndexSchema, name, maxBytes);
}

/** Parses and validates an image config. */
export function parseImageConfig(
  bytes: Uint8Array | string,
  name: string,
  maxBytes: number,
): ImageConfig {
  return parseJsonDocument(bytes, imageConfigSchema, name, maxBytes);
}

/** The layer descriptors of a manifest, with diff_ids from the config where they line up. */
export function layerDescriptors(manifest: ImageManifest, config: ImageConfig): LayerDescriptor[] {
  const diffIds = config.rootfs?.diff_ids ?? [];
  const aligned = diffIds.length === manifest.layers.length;
  return manifest.layers.map((layer, index) => ({
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
    ...(aligned && diffIds[index] !== undefined ? { diffId: diffIds[index] } : {}),
  }));
}

/** The platform a descriptor declares, if any. */
export function descriptorPlatform(descriptor: Descriptor): Platform | undefined {
  const p = descriptor.platform;
  if (!p) return undefined;
  return { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) };
}
