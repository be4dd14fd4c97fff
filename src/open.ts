/**
 * `openImage`: the one entry point that turns any target string — a transport-prefixed path, a
 * bare path or a registry reference — into an {@link Image}. It sits above `image/` and
 * `registry-client/` because it needs both.
 */
import { resolveTarget } from './image/target.js';
import { openLocalImage } from './image/open.js';
import type { Image, OpenImageOptions } from './image/types.js';

/**
 * Opens `target` for reading; close the image when done.
 *
 * @example
 * const image = await openImage('oci:./layout:latest', { platform: { os: 'linux', architecture: 'arm64' } });
 */
export async function openImage(target: string, options: OpenImageOptions = {}): Promise<Image> {
  const spec = await resolveTarget(target);
  if (spec.transport === 'registry') {
    // Loaded only for registry targets: local ones never need the HTTP client.
    const { openRegistryImage } = await import('./registry-client/index.js');
    return openRegistryImage(spec.reference, options);
  }
  return openLocalImage(spec, options);
}
