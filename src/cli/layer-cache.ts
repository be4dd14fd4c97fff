/**
 * The layer analysis cache as the commands use it: under the cache directory (`--cache-dir`,
 * `MOAT_CACHE_DIR`, XDG, `~/.cache/moat`), off with `--no-cache`. A cache that cannot be opened
 * (read-only home, damaged file) costs speed, never the scan: it is skipped with a warning.
 */
import { LayerCache, layerCachePath } from '../catalog/layer-cache.js';
import { defaultCacheDir } from '../vulndb/cache.js';

/** Opens the layer cache, or returns undefined when disabled or unusable. */
export function openLayerCache(
  options: { cacheDir?: string; cache?: boolean },
  warn: (message: string) => void,
): LayerCache | undefined {
  if (options.cache === false) return undefined;
  const path = layerCachePath(options.cacheDir ?? defaultCacheDir());
  try {
    return LayerCache.open(path);
  } catch (error) {
    warn(`layer cache ${path} not used: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
