/**
 * Media types of OCI and Docker image manifests, indexes, configs and layers, and the one
 * decision taken on a layer's media type: how its blob is compressed.
 */
import { InvalidInputError } from '../errors.js';

/** OCI and Docker media types Moat recognises. */
export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** Plain tar layers docker-archive and `dir:` produce. */
  dockerLayerTar: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;

/** How a layer blob is compressed. */
export type LayerCompression = 'gzip' | 'zstd' | 'none';

const layerCompressions: ReadonlyMap<string, LayerCompression> = new Map([
  [mediaTypes.ociLayer, 'none'],
  [mediaTypes.ociLayerGzip, 'gzip'],
  [mediaTypes.ociLayerZstd, 'zstd'],
  [mediaTypes.ociLayerNondistributable, 'none'],
  [mediaTypes.ociLayerNondistributableGzip, 'gzip'],
  [mediaTypes.ociLayerNondistributableZstd, 'zstd'],
  [mediaTypes.dockerLayerGzip, 'gzip'],
  [mediaTypes.dockerLayerForeignGzip, 'gzip'],
  [mediaTypes.dockerLayerTar, 'none'],
]);

/**
 * The compression a layer media type declares; throws `UNSUPPORTED_MEDIA_TYPE` for anything
 * else (encrypted `+encrypted` layers, unknown types, artifacts).
 */
export function layerCompression(mediaType: string): LayerCompression {
  const compression = layerCompressions.get(mediaType);
  if (compression === undefined) {
    const hint = mediaType.includes('encrypted') ? ' (encrypted layers are not supported)' : '';
    throw new InvalidInputError(
      'UNSUPPORTED_MEDIA_TYPE',
      `unsupported layer media type ${JSON.stringify(mediaType)}${hint}`,
    );
  }
  return compression;
}

/** True for an index or manifest list media type. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerManifestList;
}

/** True for an image manifest media type. */
export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.ociManifest || mediaType === mediaTypes.dockerManifest;
}
