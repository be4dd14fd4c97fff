/**
 * The action of `moat sbom` (defined in sbom.ts): open the image, catalog it, render the
 * inventory. Loaded only when the command runs.
 */
import { writeFile } from 'node:fs/promises';

import { catalogImage } from '../catalog/inventory.js';
import { MoatError } from '../errors.js';
import { parsePlatform } from '../image/platform.js';
import { openImage } from '../open.js';
import type { SbomFormat } from '../report/formats.js';
import type { CliIo } from './main.js';
import { openLayerCache } from './layer-cache.js';
import { boundMemoryForStreaming } from './memory.js';
import { createProgress } from './progress.js';
import { version } from './version.js';

/** Options of `moat sbom`. */
export interface SbomOptions {
  format: SbomFormat;
  output?: string;
  platform?: string;
  quiet?: boolean;
  username?: string;
  password?: string;
  insecure?: boolean;
  cacheDir?: string;
  cache?: boolean;
  includeDevDeps?: boolean;
}

/** Runs `moat sbom TARGET`. */
export async function runSbom(target: string, options: SbomOptions, io: CliIo): Promise<void> {
  // An inventory nearly always streams layers: bound the heap before it grows.
  boundMemoryForStreaming();
  const progress = createProgress(io, { quiet: options.quiet === true });
  if (options.password !== undefined && options.username === undefined) {
    throw new MoatError('USAGE', '--password needs --username');
  }
  const image = await openImage(target, {
    ...(options.platform ? { platform: parsePlatform(options.platform) } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.insecure ? { insecure: true } : {}),
    onWarning: (message) => progress.warn(message),
  });
  const layerCache = openLayerCache(options, (message) => progress.warn(message));
  try {
    const inventory = await catalogImage(image, {
      onLayer: (index, total, cached) =>
        progress.step(`${cached ? 'cached' : 'reading'} layer ${index + 1}/${total}`),
      ...(layerCache ? { layerCache } : {}),
      ...(options.includeDevDeps ? { includeDevDeps: true } : {}),
    });
    progress.done(`${inventory.packages.length} packages`);
    for (const warning of inventory.warnings) progress.warn(warning);
    // Loaded only now: the renderers (CycloneDX above all) are large and not needed while scanning.
    const { renderInventory } = await import('../report/render.js');
    const text = await renderInventory(inventory, options.format, { toolVersion: version });
    if (options.output) await writeFile(options.output, text);
    else io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  } finally {
    layerCache?.close();
    await image.close();
  }
}
