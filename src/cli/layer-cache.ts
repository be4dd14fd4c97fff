/**
 * The layer analysis cache as the commands use it: under the cache directory (`--cache-dir`,
 * `MOAT_CACHE_DIR`, XDG, `~/.cache/moat`), off with `--no-cache`. A cache that cannot be opened
 * (read-only home, damaged file) or written (full disk) costs speed, never the scan: it is
 * skipped, or turned off for the rest of the run, with a warning.
 */
import { LayerCache } from '../catalog/layer-cache.js';
import { layerCachePath } from '../util/cache-paths.js';
import type { CacheOptions } from './options.js';

/** Opens the layer cache, or returns undefined when disabled or unusable. */
export function openLayerCache(
  options: CacheOptions,
  warn: (message: string) => void,
): LayerCache | undefined {
  if (!options.layers) return undefined;
  const path = layerCachePath(options.dir);
  try {
    return LayerCache.open(path, { onWriteFailure: warn });
  } catch (error) {
    warn(`layer cache ${path} not used: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
