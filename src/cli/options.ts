/**
 * The options `sbom` and `scan` share, defined once: how the image is reached (platform,
 * credentials), which caches are used and where the result goes. Commander hands an action one
 * flat object; {@link commonOptionsOf} groups it once into the nested {@link CommonOptions} the
 * actions pass on whole, so no action copies registry or cache fields one by one.
 */
import type { Command } from 'commander';

import { MoatError } from '../errors.js';
import { parsePlatform } from '../image/platform.js';
import type { OpenImageOptions } from '../image/types.js';

/** The flat options commander parses for the shared flags. */
export interface SharedFlags {
  output?: string;
  quiet?: boolean;
  platform?: string;
  username?: string;
  password?: string;
  insecure?: boolean;
  cacheDir?: string;
  /** False with `--no-cache`. */
  cache?: boolean;
  includeDevDeps?: boolean;
}

/** What the inventory includes. */
export interface CatalogFlags {
  /** `--include-dev-deps`: development dependencies that only a lockfile lists are reported. */
  includeDevDeps: boolean;
}

/** Where the caches are and whether the layer cache is used. */
export interface CacheOptions {
  /** `--cache-dir`; undefined for the default (`$MOAT_CACHE_DIR`, XDG, `~/.cache/moat`). */
  dir?: string;
  /** False with `--no-cache`: the layer analysis cache is neither read nor filled. */
  layers: boolean;
}

/** Where the result goes and how much is said on stderr meanwhile. */
export interface OutputOptions {
  /** `--output`; undefined for stdout. */
  file?: string;
  quiet: boolean;
}

/** The shared options, grouped. */
export interface CommonOptions {
  /** How to reach the image (without `onWarning`, which the action sets). */
  image: Omit<OpenImageOptions, 'onWarning'>;
  cache: CacheOptions;
  output: OutputOptions;
  catalog: CatalogFlags;
}

/** Adds `--output` and `--quiet`. */
export function addOutputFlags(command: Command): Command {
  return command
    .option('-o, --output <file>', 'write the result to FILE instead of stdout')
    .option('-q, --quiet', 'no progress and no warnings on stderr');
}

/** Adds `--platform`, `--username`, `--password` and `--insecure`. */
export function addImageFlags(command: Command): Command {
  return command
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
    .option('--username <name>', 'registry user name')
    .option('--password <secret>', 'registry password or token')
    .option('--insecure', 'allow plain HTTP registries');
}

/** Adds `--cache-dir` and `--no-cache`. */
export function addCacheFlags(command: Command): Command {
  return command
    .option(
      '--cache-dir <dir>',
      'cache directory (default: $MOAT_CACHE_DIR, $XDG_CACHE_HOME/moat, ~/.cache/moat)',
    )
    .option('--no-cache', 'do not use or fill the layer analysis cache');
}

/** Adds `--include-dev-deps` (Trivy's flag). */
export function addCatalogFlags(command: Command): Command {
  return command.option(
    '--include-dev-deps',
    'report development dependencies that only a lockfile lists',
  );
}

/** Groups the flat flags into {@link CommonOptions}, checking those that must go together. */
export function commonOptionsOf(flags: SharedFlags): CommonOptions {
  if (flags.password !== undefined && flags.username === undefined) {
    throw new MoatError('USAGE', '--password needs --username');
  }
  const image: CommonOptions['image'] = {};
  if (flags.platform !== undefined) image.platform = parsePlatform(flags.platform);
  if (flags.username !== undefined) image.username = flags.username;
  if (flags.password !== undefined) image.password = flags.password;
  if (flags.insecure === true) image.insecure = true;
  return {
    image,
    cache: {
      ...(flags.cacheDir !== undefined ? { dir: flags.cacheDir } : {}),
      layers: flags.cache !== false,
    },
    output: {
      ...(flags.output !== undefined ? { file: flags.output } : {}),
      quiet: flags.quiet === true,
    },
    catalog: { includeDevDeps: flags.includeDevDeps === true },
  };
}
