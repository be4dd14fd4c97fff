/**
 * `moat sbom <target>`: the inventory of an image in CycloneDX, SPDX, Moat JSON or a table.
 */
import { writeFile } from 'node:fs/promises';

import { Option, type Command } from 'commander';

import { catalogImage } from '../catalog/inventory.js';
import { MoatError } from '../errors.js';
import { parsePlatform } from '../image/platform.js';
import { openImage } from '../open.js';
import { sbomFormats, type SbomFormat } from '../report/formats.js';
import type { CliIo } from './main.js';
import { openLayerCache } from './layer-cache.js';
import { createProgress } from './progress.js';
import { version } from './version.js';

interface SbomOptions {
  format: SbomFormat;
  output?: string;
  platform?: string;
  quiet?: boolean;
  username?: string;
  password?: string;
  insecure?: boolean;
  cacheDir?: string;
  cache?: boolean;
}

/** Adds the `sbom` command to `program`. */
export function registerSbomCommand(program: Command, io: CliIo): void {
  program
    .command('sbom')
    .description('list every package in an image')
    .argument(
      '<target>',
      'docker-archive:, oci:, oci-archive:, dir:, docker:// or a bare path/reference',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(sbomFormats).default('table'),
    )
    .option('-o, --output <file>', 'write the result to FILE instead of stdout')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
    .option('-q, --quiet', 'no progress and no warnings on stderr')
    .option('--username <name>', 'registry user name')
    .option('--password <secret>', 'registry password or token')
    .option('--insecure', 'allow plain HTTP registries')
    .option('--cache-dir <dir>', 'cache directory (default: $MOAT_CACHE_DIR or ~/.cache/moat)')
    .option('--no-cache', 'do not use or fill the layer analysis cache')
    .action(async (target: string, options: SbomOptions) => {
      await runSbom(target, options, io);
    });
}

async function runSbom(target: string, options: SbomOptions, io: CliIo): Promise<void> {
  const progress = createProgress(io.stderr, { quiet: options.quiet === true });
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
