/**
 * The action of `moat sbom` (defined in sbom.ts): open the image, catalog it, render the
 * inventory. Loaded only when the command runs.
 */
import { catalogImage } from '../catalog/inventory.js';
import { openImage } from '../open.js';
import type { SbomFormat } from '../report/formats.js';
import { layerCachePath } from '../util/cache-paths.js';
import type { CliIo } from './io.js';
import { openLayerCache } from './layer-cache.js';
import type { CommonOptions } from './options.js';
import { refuseOutputOverInput, targetInputs, writeResult } from './output.js';
import { createProgress } from './progress.js';
import { version } from './version.js';

/** Options of `moat sbom`. */
export interface SbomOptions extends CommonOptions {
  format: SbomFormat;
}

/** Runs `moat sbom TARGET`. */
export async function runSbom(target: string, options: SbomOptions, io: CliIo): Promise<void> {
  await refuseOutputOverInput(options.output.file, [
    ...(await targetInputs(target)),
    ...(options.cache.layers
      ? [{ what: 'layer cache', path: layerCachePath(options.cache.dir) }]
      : []),
  ]);
  const progress = createProgress(io, options.output);
  const image = await openImage(target, {
    ...options.image,
    onWarning: (message) => progress.warn(message),
  });
  const layerCache = openLayerCache(options.cache, (message) => progress.warn(message));
  try {
    const inventory = await catalogImage(image, {
      onLayer: (index, total, cached) =>
        progress.step(`${cached ? 'cached' : 'reading'} layer ${index + 1}/${total}`),
      ...(layerCache ? { layerCache } : {}),
      ...(options.catalog.includeDevDeps ? { includeDevDeps: true } : {}),
    });
    progress.done(`${inventory.packages.length} packages`);
    for (const warning of inventory.warnings) progress.warn(warning);
    // Loaded only now: the renderers (CycloneDX above all) are large and not needed while scanning.
    const { renderInventory } = await import('../report/render.js');
    const text = await renderInventory(inventory, options.format, { toolVersion: version });
    await writeResult(text, options.output, io);
  } finally {
    layerCache?.close();
    await image.close();
  }
}
