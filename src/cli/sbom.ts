/**
 * `moat sbom <target>`: the inventory of an image in CycloneDX, SPDX, Moat JSON or a table.
 * Only the command definition lives here; the action loads sbom-run.ts.
 */
import { Option, type Command } from 'commander';

import { sbomFormats, type SbomFormat } from '../report/formats.js';
import type { CliIo } from './io.js';
import {
  addCacheFlags,
  addCatalogFlags,
  addImageFlags,
  addOutputFlags,
  commonOptionsOf,
  type SharedFlags,
} from './options.js';

/** Adds the `sbom` command to `program`. */
export function registerSbomCommand(program: Command, io: CliIo): void {
  const command = program
    .command('sbom')
    .description('list every package in an image')
    .argument(
      '<target>',
      'docker-archive:, oci:, oci-archive:, dir:, docker:// or a bare path/reference',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(sbomFormats).default('table'),
    );
  addCatalogFlags(addCacheFlags(addImageFlags(addOutputFlags(command)))).action(
    async (target: string, flags: SharedFlags & { format: SbomFormat }) => {
      const options = { ...commonOptionsOf(flags), format: flags.format };
      await (await import('./sbom-run.js')).runSbom(target, options, io);
    },
  );
}
