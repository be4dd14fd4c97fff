/**
 * The manifest media types the registry stores, and the `Content-Type` / `Accept` header handling
 * around them (spec.md "Pushing manifests", content-negotiation.md).
 */
import { mediaTypes } from '../image/media-types.js';

/** The four manifest kinds the registry accepts. */
export const manifestMediaTypes = {
  ociManifest: mediaTypes.ociManifest,
  ociIndex: mediaTypes.ociIndex,
  dockerManifest: mediaTypes.dockerManifest,
  dockerManifestList: mediaTypes.dockerManifestList,
} as const;

/** The layer media types whose blobs live elsewhere (`urls`) and need not be in the registry. */
const foreignLayerTypes: ReadonlySet<string> = new Set([
  mediaTypes.ociLayerNondistributable,
  mediaTypes.ociLayerNondistributableGzip,
  mediaTypes.ociLayerNondistributableZstd,
  mediaTypes.dockerLayerForeignGzip,
]);

/** True for a non-distributable (OCI) or foreign (Docker) layer media type. */
export function isForeignLayerType(mediaType: string): boolean {
  return foreignLayerTypes.has(mediaType);
}

/** Image configs: an image manifest with any other config type is an artifact. */
export const imageConfigTypes: ReadonlySet<string> = new Set([
  mediaTypes.ociConfig,
  mediaTypes.dockerConfig,
]);

/**
 * The bare media type of a `Content-Type` header: parameters dropped, lowercased, trimmed;
 * undefined when absent or empty.
 * @example bareMediaType('application/json; charset=utf-8') // 'application/json'
 */
export function bareMediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const bare = header.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return bare === '' ? undefined : bare;
}

/**
 * True when an `Accept` header admits `mediaType`: no header, an empty one, `*` + `/*`, `type/*` or
 * the type itself among its comma-separated entries (a `q=0` entry refuses the type).
 */
export function acceptsMediaType(
  accept: string | string[] | undefined,
  mediaType: string,
): boolean {
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (header === undefined || header.trim() === '') return true;
  const type = mediaType.toLowerCase();
  const family = type.split('/', 1)[0] ?? '';
  for (const entry of header.split(',')) {
    const [range = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (params.some((param) => /^q=0(?:\.0{0,3})?$/.test(param))) continue;
    if (range === '*/*' || range === `${family}/*` || range === type) return true;
  }
  return false;
}
