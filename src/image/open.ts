/**
 * Opening an image from any local transport; the registry transport lives in `registry-client/`.
 */
import { MoatError } from '../errors.js';
import { openDockerArchive } from './docker-archive.js';
import { openOciArchive } from './oci-archive.js';
import { openOciLayout } from './oci-layout.js';
import { openRootfs } from './rootfs.js';
import type { TargetSpec } from './target.js';
import type { Image, OpenImageOptions } from './types.js';

/**
 * Opens a docker-archive, OCI layout, OCI archive or rootfs target.
 * @example const image = await openLocalImage(await resolveTarget('image.tar'), { onWarning });
 */
export function openLocalImage(spec: TargetSpec, options: OpenImageOptions = {}): Promise<Image> {
  switch (spec.transport) {
    case 'docker-archive':
      return openDockerArchive(spec.path, spec.ref, options);
    case 'oci':
      return openOciLayout(spec.path, spec.tag, options);
    case 'oci-archive':
      return openOciArchive(spec.path, spec.tag, options);
    case 'dir':
      return openRootfs(spec.path, options);
    case 'registry':
      return Promise.reject(
        new MoatError(
          'INTERNAL',
          `${spec.reference}: registry images are opened by registry-client`,
        ),
      );
  }
}
