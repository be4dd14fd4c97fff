/**
 * What the gate makes of a manifest: an `image` (an image manifest with an image config and only
 * filesystem layers) is gated; an `index` is gated through its platform images; everything else —
 * a `referrer` (a manifest with a `subject`: signatures, attestations, SBOMs), an `artefact` (a
 * non-image config or non-filesystem layers: cosign's tag-scheme `.sig`/`.att` manifests, Helm
 * charts…) — always passes, so that verifying an image never needs the image to pass first.
 */
import { z } from 'zod';

import { manifestMediaTypes } from '../../distribution/media-types.js';
import { mediaTypes } from '../../image/media-types.js';

/** How the gate treats a manifest. */
export type ManifestKind =
  | { kind: 'image'; config: { digest: string; mediaType: string } }
  | { kind: 'index'; children: string[] }
  | { kind: 'referrer'; subject: string }
  | { kind: 'artefact' };

const imageConfigTypes: ReadonlySet<string> = new Set([
  mediaTypes.ociConfig,
  mediaTypes.dockerConfig,
]);
const filesystemLayerTypes: ReadonlySet<string> = new Set([
  mediaTypes.ociLayer,
  mediaTypes.ociLayerGzip,
  mediaTypes.ociLayerZstd,
  mediaTypes.ociLayerNondistributable,
  mediaTypes.ociLayerNondistributableGzip,
  mediaTypes.ociLayerNondistributableZstd,
  mediaTypes.dockerLayerGzip,
  mediaTypes.dockerLayerForeignGzip,
  mediaTypes.dockerLayerTar,
]);

const descriptor = z.object({ digest: z.string().max(256), mediaType: z.string().max(256) });
const manifestShape = z.object({
  mediaType: z.string().max(256).optional(),
  artifactType: z.string().max(256).optional(),
  config: descriptor.optional(),
  layers: z.array(z.object({ mediaType: z.string().max(256) })).optional(),
  manifests: z.array(descriptor.extend({ platform: z.unknown().optional() })).optional(),
  subject: z.object({ digest: z.string().max(256) }).optional(),
});

/**
 * Classifies a manifest (stored, or being pushed and so without a known media type).
 * @example manifestKind(record.mediaType, record.content).kind // 'image'
 */
export function manifestKind(declared: string | undefined, content: Buffer): ManifestKind {
  let parsed: z.infer<typeof manifestShape>;
  try {
    const result = manifestShape.safeParse(JSON.parse(content.toString('utf8')));
    if (!result.success) return { kind: 'artefact' };
    parsed = result.data;
  } catch {
    return { kind: 'artefact' };
  }
  // A manifest being pushed: its own `mediaType`, else its shape (as the registry infers it).
  const mediaType =
    declared ??
    parsed.mediaType ??
    (parsed.manifests !== undefined ? manifestMediaTypes.ociIndex : manifestMediaTypes.ociManifest);
  if (parsed.subject !== undefined) return { kind: 'referrer', subject: parsed.subject.digest };
  if (
    mediaType === manifestMediaTypes.ociIndex ||
    mediaType === manifestMediaTypes.dockerManifestList
  ) {
    const children = (parsed.manifests ?? [])
      .filter(
        (child) =>
          child.mediaType === manifestMediaTypes.ociManifest ||
          child.mediaType === manifestMediaTypes.dockerManifest,
      )
      .map((child) => child.digest);
    // An index of artefacts only (no image child) is an artefact itself.
    return children.length > 0 ? { kind: 'index', children } : { kind: 'artefact' };
  }
  const config = parsed.config;
  if (config === undefined || !imageConfigTypes.has(config.mediaType)) return { kind: 'artefact' };
  if (parsed.artifactType !== undefined) return { kind: 'artefact' };
  const layers = parsed.layers ?? [];
  if (!layers.every((layer) => filesystemLayerTypes.has(layer.mediaType))) {
    return { kind: 'artefact' };
  }
  return { kind: 'image', config };
}

/**
 * The image digest a cosign tag-scheme tag names (`sha256-<hex>.sig`, `.att`, `.sbom`): pushing
 * such a tag adds a signature or attestation to that image, so its decisions are re-made.
 */
export function cosignTagSubject(tag: string): string | undefined {
  const match = /^(sha256|sha512)-([0-9a-f]{64}|[0-9a-f]{128})\.(?:sig|att|sbom)$/.exec(tag);
  return match ? `${match[1]}:${match[2]}` : undefined;
}
