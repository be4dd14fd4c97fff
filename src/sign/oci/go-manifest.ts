/**
 * JSON the way cosign's Go code serialises OCI documents (go-containerregistry `v1.Manifest`,
 * `v1.Descriptor`, `v1.ConfigFile` through `encoding/json`): struct fields in declaration order,
 * empty optional fields left out, map keys sorted. Writing the same bytes keeps the documents
 * Moat pushes byte-identical to cosign's where the inputs are the same.
 */
import type { Descriptor } from '../../image/manifest.js';
import { goJson as goJsonText, type GoJsonValue } from '../go-json.js';

/** A descriptor in go-containerregistry's field order (mediaType, size, digest, …). */
export function goDescriptor(descriptor: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = {
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    digest: descriptor.digest,
  };
  if (descriptor.urls !== undefined && descriptor.urls.length > 0) out.urls = descriptor.urls;
  const annotations = sortedAnnotations(descriptor.annotations);
  if (annotations !== undefined) out.annotations = annotations;
  if (descriptor.platform !== undefined) out.platform = descriptor.platform;
  if (descriptor.artifactType !== undefined && descriptor.artifactType !== '') {
    out.artifactType = descriptor.artifactType;
  }
  return out;
}

/** Annotations with sorted keys (Go sorts map keys); undefined when empty. */
export function sortedAnnotations(
  annotations: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (annotations === undefined) return undefined;
  const keys = Object.keys(annotations).sort();
  if (keys.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const key of keys) out[key] = annotations[key] ?? '';
  return out;
}

/** An image manifest in go-containerregistry's field order, plus OCI 1.1 `artifactType` last. */
export function goManifest(manifest: {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}): Buffer {
  const out: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: manifest.mediaType,
    config: goDescriptor(manifest.config),
    layers: manifest.layers.map(goDescriptor),
  };
  const annotations = sortedAnnotations(manifest.annotations);
  if (annotations !== undefined) out.annotations = annotations;
  if (manifest.subject !== undefined) out.subject = goDescriptor(manifest.subject);
  if (manifest.artifactType !== undefined) out.artifactType = manifest.artifactType;
  return goJson(out);
}

/**
 * A Go struct as `encoding/json` writes it (fields in the order given), as bytes. The documents
 * are built here from strings, numbers and descriptors, so they are JSON values by construction.
 */
export function goJson(value: unknown): Buffer {
  return Buffer.from(goJsonText(value as GoJsonValue, 'struct'));
}
