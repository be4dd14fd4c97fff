/**
 * What every `moat admin user|project|member|robot|token|audit` command shares: the installation's
 * configuration (`--config`, `--data`, `MOAT_*` as `moat serve` reads them), its stores and the
 * access services over them, opened for one command and closed after it — the audit log flushed
 * first, so that nothing the command did is lost.
 */
import { openAccessServices, type AccessServices } from '../auth/open.js';
import type { ServeConfig } from '../server/config.js';
import { openStores, type OpenStores } from '../store/open.js';
import type { CliIo } from './io.js';
import { loadConfigOfFlags } from './serve-config.js';

/** The options every access command takes. */
export interface AccessCommandOptions {
  /** Configuration file (default: `moat.yaml` in the working directory). */
  config?: string;
  /** Data directory (default: `dataDir`, `./moat-data`). */
  data?: string;
}

/** What a command's body receives. */
export interface AccessCommandContext {
  services: AccessServices;
  stores: OpenStores;
  config: ServeConfig;
}

/**
 * Runs `fn` with the services of the installation the options name; closes everything after it,
 * whether it succeeds or fails.
 * @example
 * await withAccessServices(options, io, async ({ services }) => {
 *   io.stdout.write(`${(await services.identity.listUsers({ limit: 100 })).length} users\n`);
 * });
 */
export async function withAccessServices<T>(
  options: AccessCommandOptions,
  io: CliIo,
  fn: (context: AccessCommandContext) => Promise<T>,
): Promise<T> {
  const config = loadConfigOfFlags({ config: options.config, data: options.data });
  const stores = await openStores(config.stores);
  try {
    const services = await openAccessServices({
      database: stores.database,
      config: config.auth,
      dataDir: config.dataDir,
      log: (message) => io.stderr.write(`moat: ${message}\n`),
      bootstrap: false,
    });
    try {
      return await fn({ services, stores, config });
    } finally {
      await services.close();
    }
  } finally {
    await stores.close();
  }
}
