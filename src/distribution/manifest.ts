/**
 * Parsing and validating a pushed manifest: OCI image manifest and index, Docker v2 schema 2
 * manifest and manifest list, and artifacts (an OCI manifest or index with `artifactType`, or an
 * image manifest whose config is not an image config). The result is what the metadata store
 * keeps besides the bytes: the media type, the artifact type, the subject, the annotations and
 * the references the repository must already hold.
 */
import { z } from 'zod';

import type { Digest, ManifestReference } from '../store/types.js';
import { DistributionError } from './errors.js';
import { isDigest } from './grammar.js';
import {
  bareMediaType,
  imageConfigTypes,
  isForeignLayerType,
  manifestMediaTypes,
} from './media-types.js';

const descriptorSchema = z.object({
  mediaType: z.string().min(1),
  digest: z.string().refine(isDigest, 'expected sha256:<64 hex> or sha512:<128 hex>'),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().optional(),
});

type Descriptor = z.infer<typeof descriptorSchema>;

const common = {
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  subject: descriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
};

const imageManifestSchema = z.object({
  ...common,
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  manifests: z.never({ error: 'an image manifest has no "manifests"' }).optional(),
});

const indexSchema = z.object({
  ...common,
  manifests: z.array(descriptorSchema),
  config: z.never({ error: 'an index has no "config"' }).optional(),
  layers: z.never({ error: 'an index has no "layers"' }).optional(),
});

/** What the registry keeps of a valid manifest besides its bytes. */
export interface ParsedManifest {
  mediaType: string;
  artifactType?: string;
  subject?: Digest;
  annotations?: Record<string, string>;
  references: ManifestReference[];
}

const indexTypes: ReadonlySet<string> = new Set([
  manifestMediaTypes.ociIndex,
  manifestMediaTypes.dockerManifestList,
]);
const imageTypes: ReadonlySet<string> = new Set([
  manifestMediaTypes.ociManifest,
  manifestMediaTypes.dockerManifest,
]);

/**
 * Parses a pushed manifest. `contentType` is the request's `Content-Type`; when the document has a
 * `mediaType` too, the two must agree (else `MANIFEST_INVALID`). Without either, the shape decides
 * (`manifests` → OCI index, `config` → OCI image manifest).
 * @example parseManifest(bytes, 'application/vnd.oci.image.manifest.v1+json').references
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  const document = parseJsonObject(bytes);
  const declared = typeof document['mediaType'] === 'string' ? document['mediaType'] : undefined;
  const header = bareMediaType(contentType);
  // Generic JSON types say nothing about the manifest kind (some clients send them).
  const headerType =
    header === undefined || header === 'application/json' || header === 'application/octet-stream'
      ? undefined
      : header;
  if (headerType !== undefined && declared !== undefined && headerType !== declared) {
    throw invalid(
      `the Content-Type ${JSON.stringify(headerType)} differs from the manifest's mediaType ${JSON.stringify(declared)}`,
    );
  }
  const mediaType = headerType ?? declared ?? inferMediaType(document);
  if (document['schemaVersion'] === 1) {
    throw new DistributionError('MANIFEST_INVALID', 'Docker schema 1 manifests are not supported', {
      detail: { mediaType },
    });
  }
  if (indexTypes.has(mediaType)) return parseIndex(document, mediaType);
  if (imageTypes.has(mediaType)) return parseImageManifest(document, mediaType);
  throw invalid(`unsupported manifest media type ${JSON.stringify(mediaType.slice(0, 200))}`);
}

function parseImageManifest(document: object, mediaType: string): ParsedManifest {
  const manifest = validate(imageManifestSchema, document);
  const references: ManifestReference[] = [{ digest: manifest.config.digest, kind: 'blob' }];
  for (const layer of manifest.layers) {
    if (isForeignLayer(layer)) continue;
    references.push({ digest: layer.digest, kind: 'blob' });
  }
  const configType = manifest.config.mediaType;
  // The referrers API reports the config media type when `artifactType` is absent (spec.md,
  // "Listing Referrers"); other manifests keep it only when the config is not an image config.
  const artifactType =
    manifest.artifactType ??
    (manifest.subject !== undefined || !imageConfigTypes.has(configType) ? configType : undefined);
  return finish(mediaType, manifest, artifactType, references);
}

function parseIndex(document: object, mediaType: string): ParsedManifest {
  const index = validate(indexSchema, document);
  const references: ManifestReference[] = index.manifests.map((child) => ({
    digest: child.digest,
    kind: 'manifest',
  }));
  return finish(mediaType, index, index.artifactType, references);
}

function finish(
  mediaType: string,
  manifest: { subject?: Descriptor | undefined; annotations?: Record<string, string> | undefined },
  artifactType: string | undefined,
  references: ManifestReference[],
): ParsedManifest {
  return {
    mediaType,
    ...(artifactType !== undefined && artifactType !== '' ? { artifactType } : {}),
    ...(manifest.subject ? { subject: manifest.subject.digest } : {}),
    ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
    references: uniqueReferences(references),
  };
}

/** A non-distributable layer is fetched from its `urls`; without them it must be stored here. */
function isForeignLayer(layer: Descriptor): boolean {
  return isForeignLayerType(layer.mediaType) && (layer.urls?.length ?? 0) > 0;
}

function uniqueReferences(references: ManifestReference[]): ManifestReference[] {
  const seen = new Set<string>();
  return references.filter((reference) => {
    const key = `${reference.kind} ${reference.digest}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function inferMediaType(document: Record<string, unknown>): string {
  if (Array.isArray(document['manifests'])) return manifestMediaTypes.ociIndex;
  if (document['config'] !== undefined) return manifestMediaTypes.ociManifest;
  throw invalid('the manifest has no media type (neither Content-Type nor "mediaType")');
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new DistributionError('MANIFEST_INVALID', 'the manifest is not valid JSON', {
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('the manifest is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function validate<T>(schema: z.ZodType<T>, document: object): T {
  const result = schema.safeParse(document, { jitless: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(document)';
  throw invalid(`the manifest is invalid at ${where}: ${issue?.message ?? 'schema mismatch'}`);
}

function invalid(message: string): DistributionError {
  return new DistributionError('MANIFEST_INVALID', message);
}
