/**
 * The OCI archive transport (`oci-archive:PATH[:tag]`): an OCI layout inside a tar file, read
 * member by member through the tar index — nothing is extracted.
 */
import { defaultLimits } from '../util/limits.js';
import { openOciLayoutSource } from './oci-layout.js';
import { indexTar } from './tar-index.js';
import type { Image, OpenImageOptions } from './types.js';

/** Opens `oci-archive:PATH[:tag]`. */
export async function openOciArchive(
  path: string,
  tag?: string,
  options: OpenImageOptions = {},
): Promise<Image> {
  const source = await indexTar(path, { ...defaultLimits, ...options.limits });
  return openOciLayoutSource(source, tag, 'oci-archive', options);
}
